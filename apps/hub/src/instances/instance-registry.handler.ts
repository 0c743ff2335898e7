import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  InstanceHeartbeat,
  instanceHeartbeatContract,
  registerInstanceContract,
  RegisterInstanceReply,
  RegisterInstanceRequest,
} from '@switchboard/contracts';

import { InstancesService } from './instances.service.js';

/** Instances announce themselves and send heartbeats over NATS. */
@Controller()
export class InstanceRegistryHandler {
  static readonly HEARTBEAT_INTERVAL_MS = 5000;

  constructor(private readonly instances: InstancesService) {}

  @MessagePattern(registerInstanceContract.subject)
  async register(@Payload() request: RegisterInstanceRequest): Promise<RegisterInstanceReply> {
    await this.instances.register(request);
    return { heartbeatIntervalMs: InstanceRegistryHandler.HEARTBEAT_INTERVAL_MS };
  }

  @EventPattern<string>(instanceHeartbeatContract.subject)
  async heartbeat(@Payload() heartbeat: InstanceHeartbeat): Promise<void> {
    await this.instances.heartbeat(heartbeat);
  }
}
