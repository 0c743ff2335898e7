import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { Public } from '../http/public.decorator.js';
import { NatsClient } from '../nats/nats-client.js';

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsClient,
  ) {}

  /** The process is up. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The database and NATS are reachable. */
  @Get('readyz')
  @HealthCheck()
  readyz() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1000 }),
      async () => {
        const indicator = this.indicators.check('nats');
        try {
          const rttMs = await this.nats.ping(1000);
          return indicator.up({ rttMs: Math.round(rttMs * 100) / 100 });
        } catch (error) {
          return indicator.down({ message: error instanceof Error ? error.message : String(error) });
        }
      },
    ]);
  }
}
