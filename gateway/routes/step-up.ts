import { type FastifyPluginAsync, type FastifyReply } from 'fastify';
import { StepUpSignInError } from '../step-up/oidc-sign-in';
import { type StepUp } from '../step-up/step-up';

/**
 * The browser's side of the step-up sign-in (gateway/step-up/step-up.ts): `GET /step-up/start/:id` sends it to the
 * identity provider, `GET /step-up/callback` takes it back, and what waited is done from there. Not signed by Slack:
 * the link's random ID and the sign-in's state, nonce and PKCE verifier are what tie a browser to a click.
 */
export const stepUpRoutes: FastifyPluginAsync<{ stepUp: StepUp; redirectUri: string }> = async (
  scope,
  { stepUp, redirectUri },
) => {
  scope.get<{ Params: { id: string } }>('/step-up/start/:id', async (request, reply) => {
    let target: string | undefined;
    try {
      target = await stepUp.open(request.params.id);
    } catch (err) {
      if (!(err instanceof StepUpSignInError)) throw err;
      request.log.warn({ reason: err.message }, 'step-up sign-in could not start');
      return page(reply, 503, 'Sign-in unavailable', `${err.message}. Nothing was recorded; try again in a minute.`);
    }
    if (target === undefined) {
      return page(
        reply,
        404,
        'Link expired',
        'This sign-in link has expired or was already used. Nothing was recorded: start again from Slack.',
      );
    }
    return reply.header('cache-control', 'no-store').redirect(target, 303);
  });

  scope.get('/step-up/callback', async (request, reply) => {
    // The URL the provider redirected to, as registered: openid-client sends it with the code exchange.
    const callbackUrl = new URL(redirectUri);
    const query = request.url.split('?')[1];
    if (query !== undefined) callbackUrl.search = query;
    const outcome = await stepUp.finish(callbackUrl);
    if (!outcome.ok) {
      request.log.info(
        { status: outcome.status, reason: outcome.problem, err: outcome.cause },
        'step-up sign-in refused',
      );
      const what = outcome.click?.what ?? 'request';
      await outcome.click?.tell(`:no_entry: Your ${what} was not recorded: ${outcome.problem}`);
      return page(
        reply,
        outcome.status,
        `${capitalised(what)} not recorded`,
        `${outcome.problem} Nothing was recorded.`,
      );
    }
    const { click, proof } = outcome;
    const told: string[] = [];
    try {
      await click.complete(proof, (text) => {
        told.push(text);
        return click.tell(text);
      });
    } catch (err) {
      request.log.error({ err }, `could not complete the ${click.what} after its sign-in`);
      const problem = `Your ${click.what} could not be completed just now: please try again in a minute.`;
      await click.tell(`:warning: ${problem}`).catch(() => undefined);
      return page(reply, 503, 'Please try again', problem);
    }
    if (told.length === 0) {
      const done = `Signed in as ${proof.email}: your ${click.what} was recorded. You can close this tab.`;
      return page(reply, 200, `${capitalised(click.what)} recorded`, done);
    }
    return page(reply, 200, 'Signed in', told.map(plainText).join(' '));
  });
};

/** A small HTML page for the person in the browser; the same words reach them in Slack. */
function page(reply: FastifyReply, status: number, title: string, text: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
        `<body><h1>${escapeHtml(title)}</h1><p role="status">${escapeHtml(text)}</p></body></html>`,
    );
}

/** A Slack message as plain words: no leading emoji code, links as their text. */
function plainText(mrkdwn: string): string {
  return mrkdwn.replace(/^:[a-z0-9_+-]+:\s*/, '').replace(/<[^|>]+\|([^>]+)>/g, '$1');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
