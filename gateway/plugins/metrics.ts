import { type FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Routes whose response time is Slack's acknowledgement latency: Slack gives up on an answer after 3 s. */
const SLACK_ROUTES: ReadonlySet<string> = new Set(['/slack/commands', '/slack/interactions']);
const ACK_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];

/** The process's own metrics, collected once per process however many apps it builds (tests build many). */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * `GET /metrics` in Prometheus text format: requests by route pattern and status code, the Slack routes' response
 * time, and the process metrics. Labels are route patterns, methods and status codes only: a raw URL or a user ID
 * would leak data and grow without bound. Applies to the registering scope (like fastify-plugin), so register it
 * before the routes it measures.
 */
export const metrics: FastifyPluginAsync = async (scope) => {
  const registry = new Registry();
  const requests = new Counter({
    name: 'jit_gateway_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const acknowledgements = new Histogram({
    name: 'jit_gateway_slack_ack_duration_seconds',
    help: 'Time from receiving a Slack request to the end of the response, by route',
    labelNames: ['route'] as const,
    buckets: ACK_BUCKETS_SECONDS,
    registers: [registry],
  });
  const scraped = Registry.merge([processMetrics(), registry]);

  scope.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
    if (SLACK_ROUTES.has(route)) acknowledgements.observe({ route }, reply.elapsedTime / 1000);
  });

  scope.get('/metrics', async (_request, reply) => reply.type(scraped.contentType).send(await scraped.metrics()));
};
// What fastify-plugin does: the hook and the route belong to the registering scope, not to a child of it.
Object.assign(metrics, { [Symbol.for('skip-override')]: true });
