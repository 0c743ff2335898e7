import pg from 'pg';

export interface PgListenerOptions {
  url: string;
  channel: string;
  applicationName?: string;
  /** Each notification's payload, as it arrives. */
  onNotification(payload: string | undefined): void;
  /** Each time LISTEN is (re)established. Notifications sent while it was away are lost: look for missed work. */
  onListening?(): void;
  /** The connection was lost or could not be made; the listener keeps retrying on its own. */
  onLost?(error: unknown): void;
  retryMs?: number;
}

/**
 * A dedicated connection that LISTENs on one channel and reconnects by itself
 * (a pooled connection cannot hold a LISTEN). Callers keep polling as their
 * fallback, so a lost connection delays work and never loses it.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: PgListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`not a safe channel name: ${options.channel}`);
  }

  /** The first attempt; on failure it reports through onLost and retries in the background. */
  async start(): Promise<void> {
    await this.connect().catch((error: unknown) => this.lost(error));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName,
    });
    let gone = false;
    const onGone = (error?: Error) => {
      if (gone) return;
      gone = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      this.lost(error);
    };
    client.on('notification', (message) => this.options.onNotification(message.payload));
    client.on('error', onGone);
    client.on('end', () => onGone());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      gone = true;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.options.onListening?.();
  }

  private lost(error: unknown): void {
    if (this.stopped) return;
    this.options.onLost?.(error);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) void this.connect().catch((retryError: unknown) => this.lost(retryError));
    }, this.options.retryMs ?? 1000);
    this.retryTimer.unref();
  }
}
