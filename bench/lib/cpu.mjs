// CPU per request, free of the machine's load: `inject` requests (no sockets, no load generator),
// `concurrency` at a time, and the main thread's CPU time (process.threadCpuUsage, not wall time)
// divided by their number.

/**
 * Runs `inject()` `count` times, `concurrency` at once.
 * @returns main-thread CPU µs per request.
 * @throws Error when any answer is not 2xx (a bench must not measure failures).
 */
export async function cpuPerRequest(inject, count, concurrency = 32) {
  let started = 0;
  let failed = 0;
  const worker = async () => {
    while (started++ < count) {
      const response = await inject();
      if (response.statusCode >= 300) failed++;
    }
  };
  const before = process.threadCpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.threadCpuUsage(before);
  if (failed) throw new Error(`${failed} of ${count} requests failed`);
  return (used.user + used.system) / count;
}

/** `[a µs, …] (min m)`, for a report line. */
export const formatRounds = (values) =>
  `${values.map((value) => value.toFixed(1)).join(' ')} (min ${Math.min(...values).toFixed(1)})`;
