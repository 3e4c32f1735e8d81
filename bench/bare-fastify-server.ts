/**
 * The benchmark's baseline: a bare Fastify route that accepts a Slack-style form POST and answers an empty 200.
 * Run as its own process, like the gateway, so both are measured on equal terms. Listens on 127.0.0.1:$PORT.
 */
import Fastify from 'fastify';

async function run(): Promise<void> {
  const app = Fastify();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.post('/slack/commands', async (_request, reply) => reply.code(200).send());
  app.post('/slack/interactions', async (_request, reply) => reply.code(200).send());
  app.get('/healthz', async () => ({ status: 'ok' }));
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
