import { Injectable, type OnApplicationShutdown } from '@nestjs/common';

import { currentTracing } from './tracing.js';

/**
 * Exports the spans still buffered when the app shuts down (BatchSpanProcessor
 * sends every few seconds), so that the last requests of a stopping pod reach
 * the collector. Flushes rather than shuts down: other apps in the same
 * process (tests) may still be tracing.
 */
@Injectable()
export class TracingFlush implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await currentTracing().flush();
  }
}
