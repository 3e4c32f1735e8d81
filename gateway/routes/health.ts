import { type FastifyPluginAsync } from 'fastify';

/** /readyz gives Temporal this long to answer before calling the gateway not ready. */
const READINESS_TIMEOUT_MS = 2000;

/** `GET /healthz`: the process is alive. `GET /readyz`: it can do its job, i.e. Temporal answers. */
export const healthRoutes: FastifyPluginAsync<{ temporalReady: () => Promise<boolean> }> = async (
  scope,
  { temporalReady },
) => {
  scope.get('/healthz', async () => ({ status: 'ok' }));

  scope.get('/readyz', async (request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
    });
    const ready = await Promise.race([temporalReady().catch(() => false), timedOut]).finally(() => clearTimeout(timer));
    if (ready) return { status: 'ready' };
    request.log.warn('not ready: Temporal does not answer');
    return reply.code(503).send({ status: 'not ready', message: 'Temporal does not answer' });
  });
};
