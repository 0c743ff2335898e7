import { Controller } from '@nestjs/common';
import {
  InstanceHeartbeat,
  instanceHeartbeatContract,
  registerInstanceContract,
  RegisterInstanceReply,
  RegisterInstanceRequest,
} from '@switchboard/contracts';
import { HandlesContract } from '@switchboard/server';

import { InstancesService } from './instances.service.js';

/**
 * Instances announce themselves and send heartbeats over NATS, each on a
 * subject that carries its own id (`…hub.instances.{instanceId}.register`);
 * the Hub hears all of them on a wildcard and accepts a message only for the
 * instance its subject names (the contracts' `senderInSubject`, checked by
 * `@HandlesContract`).
 */
@Controller()
export class InstanceRegistryHandler {
  static readonly HEARTBEAT_INTERVAL_MS = 5000;

  constructor(private readonly instances: InstancesService) {}

  /** Refused with `403 forbidden` (the typed error reply) by `@HandlesContract` when the payload names another instance. */
  @HandlesContract(registerInstanceContract)
  async register(request: RegisterInstanceRequest): Promise<RegisterInstanceReply> {
    await this.instances.register(request);
    return { heartbeatIntervalMs: InstanceRegistryHandler.HEARTBEAT_INTERVAL_MS };
  }

  /** A heartbeat that names another instance than its subject is dropped and logged by `@HandlesContract`: events have no reply. */
  @HandlesContract(instanceHeartbeatContract)
  async heartbeat(heartbeat: InstanceHeartbeat): Promise<void> {
    await this.instances.heartbeat(heartbeat);
  }
}
