import { type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import { GatewayRequestError } from '../request-error';
import { parseFormBody } from '../slack/payloads';
import { SLACK_BODY_LIMIT_BYTES, verifySlackSignature } from '../slack/request-signature';

export interface SlackSignatureOptions {
  signingSecret: string;
  /** Milliseconds since the epoch; injectable so tests can replay recorded requests. */
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The form body exactly as Slack sent it (what the signature covers). */
    slackRawBody: string;
  }
  interface FastifyContextConfig {
    /**
     * Slack's `ssl_check=1` probe may arrive unsigned (Bolt skips the check for it too). Set on a route whose handler
     * answers that probe with an empty 200 and does nothing else.
     */
    allowUnsignedSslCheck?: boolean;
  }
}

/**
 * Applies to the scope that registers it (like fastify-plugin): only `application/x-www-form-urlencoded` bodies up
 * to 256 KiB are accepted (413 above, 415 for any other type), kept as raw strings, and every request must carry a
 * valid Slack signature before a handler sees it (401 otherwise, with nothing else done).
 */
export const slackSignature: FastifyPluginAsync<SlackSignatureOptions> = async (scope, options) => {
  const now = options.now ?? Date.now;
  scope.decorateRequest('slackRawBody', '');
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: SLACK_BODY_LIMIT_BYTES },
    (_req, body, done) => {
      done(null, body);
    },
  );
  scope.addHook('preValidation', async (request: FastifyRequest) => {
    const rawBody = typeof request.body === 'string' ? request.body : '';
    request.slackRawBody = rawBody;
    if (request.routeOptions.config.allowUnsignedSslCheck && isSslCheck(rawBody)) return;
    const check = verifySlackSignature({
      signingSecret: options.signingSecret,
      timestamp: headerValue(request.headers['x-slack-request-timestamp']),
      signature: headerValue(request.headers['x-slack-signature']),
      rawBody,
      nowSeconds: Math.floor(now() / 1000),
    });
    if (!check.ok) {
      request.log.warn({ reason: check.reason }, 'refused a request without a valid Slack signature');
      throw new GatewayRequestError(401, `invalid Slack signature: ${check.reason}`);
    }
  });
};
// What fastify-plugin does: the parser and hook belong to the registering scope, not to a child of it.
Object.assign(slackSignature, { [Symbol.for('skip-override')]: true });

/**
 * Read with the handler's own strict parser, so that the probe skipped here is exactly the one the handler answers
 * with an empty 200. A looser reading (URLSearchParams drops a leading "?") let an unsigned "?ssl_check=1&command=…"
 * through this check while the handler saw no ssl_check and ran the command.
 */
function isSslCheck(rawBody: string): boolean {
  try {
    return parseFormBody(rawBody).ssl_check === '1';
  } catch {
    return false;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
