import type * as OpenId from 'openid-client' with { 'resolution-mode': 'import' };

/** The gateway's registration at the identity provider, and how fresh a sign-in must be. */
export interface StepUpSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The gateway as browsers reach it, ending in `/`. */
  publicUrl: string;
  /** A sign-in older than this does not count, and a link lives this long. */
  maxAgeSeconds: number;
}

/** What the gateway keeps between sending the browser to the provider and its return (never sent to Slack). */
export interface SignInChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** A sign-in the provider vouched for, as its ID token says. */
export interface SignedIn {
  issuer: string;
  subject: string;
  email: string;
  authTime: Date;
  /** `amr`, when the provider sends it. */
  methods?: string[];
}

/** A sign-in that did not verify: the reason is safe to show the person (no token, code or secret in it). */
export class StepUpSignInError extends Error {
  override readonly name = 'StepUpSignInError';
}

/**
 * The authorization code flow with PKCE (S256), state and nonce, `prompt=login` and `max_age`, through openid-client,
 * which checks the ID token's signature against the provider's keys, its issuer, audience, expiry, nonce and
 * `auth_time`. The provider is discovered at the first sign-in, so the gateway starts while it is unreachable.
 */
export class OidcSignIn {
  readonly redirectUri: string;
  #configuration: Promise<OpenId.Configuration> | undefined;

  constructor(private readonly settings: StepUpSettings) {
    this.redirectUri = new URL('step-up/callback', settings.publicUrl).href;
  }

  /** Where to send the browser, and the checks to keep for its return. */
  async start(loginHint: string): Promise<{ url: string; checks: SignInChecks }> {
    const openid = await import('openid-client');
    const configuration = await this.#discover();
    const checks = {
      state: openid.randomState(),
      nonce: openid.randomNonce(),
      codeVerifier: openid.randomPKCECodeVerifier(),
    };
    const url = openid.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid email',
      response_type: 'code',
      code_challenge: await openid.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
      // A session already open at the provider is not enough: the person proves themselves now.
      prompt: 'login',
      max_age: String(this.settings.maxAgeSeconds),
      login_hint: loginHint,
    });
    return { url: url.href, checks };
  }

  /** Exchanges the code the browser brought back (`callbackUrl`) and verifies the ID token against `checks`. */
  async finish(callbackUrl: URL, checks: SignInChecks): Promise<SignedIn> {
    const openid = await import('openid-client');
    const configuration = await this.#discover();
    let claims: OpenId.IDToken | undefined;
    let profile: { email?: unknown; email_verified?: unknown } = {};
    try {
      const tokens = await openid.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        maxAge: this.settings.maxAgeSeconds,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      profile = { email: claims?.email, email_verified: claims?.email_verified };
      // Providers may keep the email scope's claims for the UserInfo endpoint; its answer must be about the same `sub`.
      if (claims && typeof claims.email !== 'string') {
        const info = await openid.fetchUserInfo(configuration, tokens.access_token, claims.sub);
        profile = { email: info.email, email_verified: info.email_verified };
      }
    } catch (err) {
      throw new StepUpSignInError(`the identity provider's answer did not verify (${reasonOf(err)})`);
    }
    if (!claims) throw new StepUpSignInError('the identity provider sent no ID token');
    const email = profile.email;
    if (typeof email !== 'string' || email === '') {
      throw new StepUpSignInError('the identity provider gave no email: allow the "email" scope for this app');
    }
    if (profile.email_verified === false)
      throw new StepUpSignInError('the identity provider says the email is not verified');
    if (typeof claims.auth_time !== 'number')
      throw new StepUpSignInError('the ID token does not say when you signed in');
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email,
      authTime: new Date(claims.auth_time * 1000),
      ...(Array.isArray(claims.amr) && { methods: claims.amr.filter((m): m is string => typeof m === 'string') }),
    };
  }

  #discover(): Promise<OpenId.Configuration> {
    this.#configuration ??= (async () => {
      const openid = await import('openid-client');
      const issuer = new URL(this.settings.issuer);
      // The configuration allows http:// only to a loopback host (gateway/config.ts): the stand-in and the sandbox.
      const options = issuer.protocol === 'http:' ? { execute: [openid.allowInsecureRequests] } : undefined;
      return openid.discovery(
        issuer,
        this.settings.clientId,
        undefined,
        openid.ClientSecretBasic(this.settings.clientSecret),
        options,
      );
    })().catch((err: unknown) => {
      this.#configuration = undefined;
      throw new StepUpSignInError(`the identity provider could not be reached (${reasonOf(err)})`);
    });
    return this.#configuration;
  }
}

/** openid-client's errors name the check that failed in their message and code; nothing secret is in either. */
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} [${code}]` : err.message;
}
