import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';

import { DomainException } from '../errors/domain.exception.js';
import { ErrorCode } from '../errors/error-code.js';
import { Public } from '../http/public.decorator.js';
import { NatsClient } from '../nats/nats-client.js';
import { ApiProblem } from '../openapi/api-problem.js';
import { type DependencyState, notReady, type Readiness } from './readiness.js';

const PROBE_TIMEOUT_MS = 1000;

/** Which dependencies readiness requires (PlatformOptions `readiness`). */
export interface ReadinessRules {
  /** NATS down makes `/readyz` 503 (the Hub); false: reported only (an instance serves tenants from Postgres). */
  natsRequired: boolean;
}

/** The injection token of ReadinessRules. */
export const READINESS_RULES = Symbol('READINESS_RULES');

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly database: TypeOrmHealthIndicator,
    private readonly nats: NatsClient,
    @Inject(READINESS_RULES) private readonly rules: ReadinessRules,
  ) {}

  /** Liveness: the process is up and answers. It checks no dependency, so an orchestrator never restarts a service for an outage elsewhere. */
  @Get('healthz')
  @ApiOperation({
    summary: 'Liveness',
    description: 'The process is up and answers; no dependency is checked. Public.',
  })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: Postgres answers within a second, and NATS too where the
   * service requires it (the Hub). An instance serves tenants from Postgres
   * alone, so NATS down leaves it ready, with NATS's state in the body (and
   * in the `switchboard_nats_connected` metric): taking it out of its load
   * balancer would turn a NATS outage into a tenant outage.
   * @returns 200 `{status: "ok", info: {postgres: {status: "up"}, nats: {status: "up", rttMs} | {status: "down", message}}}`.
   * @throws DomainException 503 service_unavailable naming every required dependency that is down, with the
   *   state of each dependency in the problem's `dependencies` member.
   */
  @Get('readyz')
  @ApiOperation({
    summary: 'Readiness',
    description:
      "Whether the service can serve: the dependencies it requires answer (each one's state in `info`, or in the problem's `dependencies`). Public.",
  })
  @ApiOkResponse({ description: 'The dependencies this service requires are reachable; `info` has the state of each.' })
  @ApiProblem(503, 'service_unavailable: a required dependency (postgres, nats) is down; `dependencies` names it.')
  async readyz(): Promise<Readiness> {
    const [postgres, nats] = await Promise.all([this.postgres(), this.natsState()]);
    const dependencies = { postgres, nats };
    const problem = notReady(this.rules.natsRequired ? dependencies : { postgres });
    if (problem) {
      throw new DomainException(503, ErrorCode.ServiceUnavailable, 'Service Unavailable', problem, {
        extensions: { dependencies },
      });
    }
    return { status: 'ok', info: dependencies };
  }

  private async postgres(): Promise<DependencyState> {
    try {
      const result = await this.database.pingCheck('postgres', { timeout: PROBE_TIMEOUT_MS });
      const state = result['postgres'] as { status: string; message?: unknown } | undefined;
      if (state?.status === 'up') return { status: 'up' };
      return { status: 'down', message: typeof state?.message === 'string' ? state.message : 'did not answer' };
    } catch (error) {
      return { status: 'down', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private async natsState(): Promise<DependencyState> {
    try {
      const rttMs = await this.nats.ping(PROBE_TIMEOUT_MS);
      return { status: 'up', rttMs: Math.round(rttMs * 100) / 100 };
    } catch (error) {
      return { status: 'down', message: error instanceof Error ? error.message : String(error) };
    }
  }
}
