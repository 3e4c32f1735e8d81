/**
 * Worker-thread entry of the benchmark's load: one loop per client, each sending its prepared Slack requests one
 * after another (signed at send time) until the time is up, timing each answer. It runs on its own thread so the
 * stand-ins serving the gateway on the main thread do not delay the measurement itself.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { signSlackRequest } from '../stand-ins/slack/slack-signature';

export interface PreparedRequest {
  path: string;
  form: string;
}

export interface LoadJob {
  url: string;
  signingSecret: string;
  seconds: number;
  /** one list per client; its length bounds the client's loop */
  requests: PreparedRequest[][];
}

export interface LoadResult {
  latencies: number[];
  errors: number;
  /** clients that ran out of prepared requests before the time was up */
  exhausted: number;
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const result: LoadResult = { latencies: [], errors: 0, exhausted: 0 };
  const end = performance.now() + job.seconds * 1000;
  await Promise.all(
    job.requests.map(async (requests) => {
      for (const { path, form } of requests) {
        if (performance.now() >= end) return;
        const timestamp = Math.floor(Date.now() / 1000);
        const started = performance.now();
        try {
          const response = await fetch(`${job.url}${path}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-slack-request-timestamp': String(timestamp),
              'x-slack-signature': signSlackRequest(job.signingSecret, timestamp, form),
            },
            body: form,
            signal: AbortSignal.timeout(15_000),
          });
          await response.arrayBuffer();
          if (response.status !== 200) result.errors += 1;
        } catch {
          result.errors += 1;
        }
        result.latencies.push(performance.now() - started);
      }
      result.exhausted += 1;
    }),
  );
  return result;
}

if (parentPort) {
  const port = parentPort;
  runLoad(workerData as LoadJob).then(
    (result) => port.postMessage(result),
    (err: unknown) => {
      throw err;
    },
  );
}
