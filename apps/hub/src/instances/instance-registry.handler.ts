import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import {
  InstanceHeartbeat,
  instanceHeartbeatContract,
  registerInstanceContract,
  RegisterInstanceReply,
  RegisterInstanceRequest,
} from '@switchboard/contracts';
import { DomainException } from '@switchboard/server';

import { HubConfig } from '../config.js';
import { verifiedSender } from './instance-identity.js';
import { InstancesService } from './instances.service.js';

/**
 * Instances announce themselves and send heartbeats over NATS, each on a
 * subject that carries its own id (`…hub.instances.{instanceId}.register`);
 * the Hub hears all of them on a wildcard and accepts a message only for the
 * instance its subject names (see `verifiedSender`).
 */
@Controller()
export class InstanceRegistryHandler {
  static readonly HEARTBEAT_INTERVAL_MS = 5000;
  private readonly logger = new Logger(InstanceRegistryHandler.name);

  constructor(
    private readonly instances: InstancesService,
    private readonly config: HubConfig,
  ) {}

  /** @throws DomainException 403 (as the typed error reply) when the payload names another instance. */
  @MessagePattern(registerInstanceContract.subject)
  async register(
    @Payload() request: RegisterInstanceRequest,
    @Ctx() context: NatsContext,
  ): Promise<RegisterInstanceReply> {
    try {
      verifiedSender(registerInstanceContract, this.config.NATS_NAMESPACE, context, request.instanceId);
    } catch (error) {
      if (error instanceof DomainException) this.logger.warn(`registration refused: ${error.detail}`);
      throw error;
    }
    await this.instances.register(request);
    return { heartbeatIntervalMs: InstanceRegistryHandler.HEARTBEAT_INTERVAL_MS };
  }

  /** A heartbeat that names another instance than its subject is dropped and logged: events have no reply. */
  @EventPattern<string>(instanceHeartbeatContract.subject)
  async heartbeat(@Payload() heartbeat: InstanceHeartbeat, @Ctx() context: NatsContext): Promise<void> {
    try {
      verifiedSender(instanceHeartbeatContract, this.config.NATS_NAMESPACE, context, heartbeat.instanceId);
    } catch (error) {
      if (!(error instanceof DomainException)) throw error;
      this.logger.warn(`heartbeat dropped: ${error.detail}`);
      return;
    }
    await this.instances.heartbeat(heartbeat);
  }
}
