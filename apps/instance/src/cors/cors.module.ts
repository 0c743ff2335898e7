import { Module } from '@nestjs/common';
import { CORS_POLICY } from '@switchboard/server';

import { WorkspaceCorsPolicy } from './workspace-cors.policy.js';

/** Browser access per workspace (`settings.allowedOrigins`); createService registers the policy. */
@Module({
  providers: [{ provide: CORS_POLICY, useClass: WorkspaceCorsPolicy }],
  exports: [CORS_POLICY],
})
export class CorsModule {}
