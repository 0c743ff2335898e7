// A bounded HTTP load loop in a worker thread (so that it does not share the
// event loop of the server it measures): `concurrency` keep-alive connections
// issue GET requests to 127.0.0.1 for `durationMs`, and the worker reports the
// count and latency percentiles. Only loopback addresses are ever targeted.
import http from 'node:http';
import { parentPort, Worker, workerData } from 'node:worker_threads';

/**
 * `headers`: a list of header sets; request i sends headers[i % length]. `body`: sent with every request.
 * `onWindow`: called when the worker starts its first request and again when it has ended its last (before
 * it tears down), so that a caller can measure CPU over the load alone: starting and stopping the worker
 * costs tens of ms of the process's CPU, which per request weighs more on the target that served fewer.
 */
export function runLoad({ url, durationMs, concurrency, headers, method = 'GET', body, onWindow }) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { url, durationMs, concurrency, headers, method, body },
    });
    worker.on('message', (message) => {
      if (message === 'window') onWindow?.();
      else resolve(message);
    });
    worker.once('error', reject);
  });
}

if (parentPort && workerData?.url) {
  const { url, durationMs, concurrency } = workerData;
  const target = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error('load targets loopback only');
  const headerSets = workerData.headers;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  let errors = 0;
  let sent = 0;
  const deadline = performance.now() + durationMs;
  const one = () =>
    new Promise((resolve) => {
      const started = performance.now();
      const request = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: workerData.method,
          agent,
          headers: {
            ...headerSets[sent++ % headerSets.length],
            ...(workerData.body ? { 'content-type': 'application/json' } : {}),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode >= 200 && response.statusCode < 300) latencies.push(performance.now() - started);
            else errors++;
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(workerData.body);
    });
  const loop = async () => {
    while (performance.now() < deadline) await one();
  };
  parentPort.postMessage('window');
  const begun = performance.now();
  const cpuBefore = process.threadCpuUsage();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const cpu = process.threadCpuUsage(cpuBefore);
  parentPort.postMessage('window');
  const elapsed = (performance.now() - begun) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  agent.destroy();
  parentPort.postMessage({
    requests: latencies.length,
    errors,
    throughput: latencies.length / elapsed,
    p50: pct(50),
    p99: pct(99),
    // This worker's own CPU time (µs), so that a bench can tell the load generator's CPU from the server's.
    loadCpuMicros: cpu.user + cpu.system,
  });
}
