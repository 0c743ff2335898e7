import type { INestApplication } from '@nestjs/common';

/** Starts a hybrid service's NATS listener and HTTP on a free loopback port; its base URL. */
export async function listenOnLoopback(app: INestApplication): Promise<string> {
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}
