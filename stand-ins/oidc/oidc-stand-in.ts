import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import type Provider from 'oidc-provider' with { 'resolution-mode': 'import' };
import { readRawBody } from '../http/http-io';
import { startLoopbackServer } from '../http/loopback-server';

/** A person who can sign in at the stand-in: the login form takes the email and the password. */
export interface OidcUser {
  email: string;
  password: string;
  /** The ID token's `sub` (default: a UUID made when the user is added). */
  subject?: string;
}

/** A relying party registered at the stand-in (confidential, authorization code with PKCE). */
export interface OidcClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface OidcStandInOptions {
  clients: OidcClient[];
  users?: OidcUser[];
  /** A line shown under the sign-in form (the sandbox says its demo password there). */
  hint?: string;
  log?: (msg: string) => void;
}

export interface OidcStandIn {
  /** 'http://127.0.0.1:PORT': the issuer, with its discovery document at /.well-known/openid-configuration */
  readonly issuer: string;
  addUser(user: OidcUser): void;
  /** Every completed sign-in, in order. */
  readonly signIns: ReadonlyArray<{ email: string; at: number }>;
  close(): Promise<void>;
}

/**
 * An OpenID provider on loopback for the step-up sign-in: the `oidc-provider` package (a certified OpenID Connect
 * implementation), with a plain login form as its interaction and consent granted for the registered clients, as a
 * company IdP configured for the app would. Discovery, PKCE, `prompt=login`, `max_age`, nonce and signed ID tokens
 * are the package's own.
 */
export async function startOidcStandIn(options: OidcStandInOptions): Promise<OidcStandIn> {
  const { default: ProviderClass } = await import('oidc-provider');
  const users = new Map<string, Required<OidcUser>>();
  const signIns: Array<{ email: string; at: number }> = [];
  const addUser = (user: OidcUser) => {
    users.set(user.email.toLowerCase(), { ...user, subject: user.subject ?? randomUUID() });
  };
  for (const user of options.users ?? []) addUser(user);
  const bySubject = (subject: string) => [...users.values()].find((u) => u.subject === subject);

  // The issuer is the server's own URL, known once it listens; the provider is made then.
  const ready: { provider?: Provider } = {};
  const loopback = await startLoopbackServer(
    async (req, res) => {
      const { provider } = ready;
      if (!provider) throw new Error('the OpenID provider is not ready');
      if (req.url?.startsWith('/interaction/')) return interaction(provider, req, res);
      await provider.callback()(req, res);
    },
    { ...(options.log && { log: options.log }) },
  );
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  ready.provider = new ProviderClass(loopback.baseUrl, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
    })),
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'stand-in', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, subject) => {
      const user = bySubject(subject);
      if (!user) return undefined;
      return { accountId: subject, claims: () => ({ sub: subject, email: user.email, email_verified: true }) };
    },
    // The app is configured for the company's people: no consent screen, as an admin-approved enterprise app.
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (!accountId || !clientId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId });
      grant.addOIDCScope('openid email');
      await grant.save();
      return grant;
    },
  });

  /** The login form, and its submission: a known email with its password signs in. */
  async function interaction(p: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await p.interactionDetails(req, res);
    const page = { uid: details.uid, loginHint: stringParam(details.params.login_hint), hint: options.hint };
    if (req.method !== 'POST') return sendLoginForm(res, page);
    const form = new URLSearchParams(await readRawBody(req));
    const user = users.get((form.get('login') ?? '').trim().toLowerCase());
    if (!user || user.password !== form.get('password')) return sendLoginForm(res, page, true);
    signIns.push({ email: user.email, at: Date.now() });
    await p.interactionFinished(req, res, { login: { accountId: user.subject } }, { mergeWithLastSubmission: false });
  }

  return {
    issuer: loopback.baseUrl,
    addUser,
    signIns,
    close: () => loopback.close(),
  };
}

function stringParam(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The sign-in form, the email filled in from the client's `login_hint`. */
function sendLoginForm(
  res: ServerResponse,
  page: { uid: string; loginHint: string; hint: string | undefined },
  failed = false,
): void {
  res.writeHead(failed ? 401 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><head><title>Sign in</title></head><body>
<h1>Sign in</h1>${failed ? '<p role="alert">Wrong email or password.</p>' : ''}
<form method="post" action="/interaction/${encodeURIComponent(page.uid)}">
<label>Email <input name="login" type="email" value="${escapeHtml(page.loginHint)}"></label>
<label>Password <input name="password" type="password" autofocus></label>
<button type="submit">Sign in</button>
</form>${page.hint ? `<p>${escapeHtml(page.hint)}</p>` : ''}</body></html>`);
}
