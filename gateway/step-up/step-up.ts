import { randomBytes } from 'node:crypto';
import { type StepUpProof } from '../../workflows/grant/grant-types';
import { type PeopleDeps, resolvePerson } from '../people/resolve-person';
import { type OidcSignIn, type SignInChecks, StepUpSignInError } from './oidc-sign-in';

/** What waits for a sign-in: an approval, or a break-glass request; who must sign in, and where they are told. */
export interface StepUpClick {
  /** The Slack user who clicked (or asked): the one who must sign in. */
  clicker: string;
  /** What the sign-in is for, as the person reads it: "approval", "break-glass request". */
  what: string;
  tell: (text: string) => Promise<unknown>;
  /** Sends the approval (or starts the grant) with the sign-in, telling the person what became of it through `tell`. */
  complete(proof: StepUpProof, tell: (text: string) => Promise<unknown>): Promise<void>;
}

interface PendingSignIn extends StepUpClick {
  expiresAt: number;
  /** Set when the link is opened; a second opening replaces them, so only the latest sign-in can finish. */
  checks?: SignInChecks;
}

/** What the browser is told, and what to complete when the sign-in verified. */
export type SignInOutcome =
  | { ok: true; click: StepUpClick; proof: StepUpProof }
  | { ok: false; status: 400 | 403 | 503; problem: string; click?: StepUpClick; cause?: unknown };

/**
 * Step-up sign-in (docs/gateway.md, "Step-up"): a click on Approve, or a break-glass request, for a group with
 * `stepUp` becomes a link, valid for the max age, that only that person sees; it sends their browser to the identity
 * provider, and the approval is sent (the grant started) once the provider vouches for the same JumpCloud user as
 * their Slack account. Each link and each sign-in is good once. Pending sign-ins live in this process: after a gateway
 * restart the person clicks again.
 */
export class StepUp {
  readonly #pending = new Map<string, PendingSignIn>();
  readonly #linkOfState = new Map<string, string>();

  constructor(
    private readonly signIn: OidcSignIn,
    private readonly settings: { publicUrl: string; maxAgeSeconds: number },
    private readonly people: PeopleDeps,
    private readonly now: () => number,
  ) {}

  get maxAgeSeconds(): number {
    return this.settings.maxAgeSeconds;
  }

  /** A link for the clicker to sign in with. */
  begin(click: StepUpClick): string {
    this.#forgetExpired();
    const id = randomBytes(24).toString('base64url');
    this.#pending.set(id, { ...click, expiresAt: this.now() + this.settings.maxAgeSeconds * 1000 });
    return new URL(`step-up/start/${id}`, this.settings.publicUrl).href;
  }

  /** Where the link sends the browser: the provider's sign-in, or undefined when the link is unknown or expired. */
  async open(id: string): Promise<string | undefined> {
    this.#forgetExpired();
    const pending = this.#pending.get(id);
    if (!pending || pending.expiresAt <= this.now()) return undefined;
    const person = await resolvePerson(this.people, pending.clicker);
    const { url, checks } = await this.signIn.start(person.ok ? person.person.email : '');
    if (pending.checks) this.#linkOfState.delete(pending.checks.state);
    pending.checks = checks;
    this.#linkOfState.set(checks.state, id);
    return url;
  }

  /** The browser's return from the provider: the sign-in verified and matched to the clicker, or why not. */
  async finish(callbackUrl: URL): Promise<SignInOutcome> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    const id = this.#linkOfState.get(state);
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (id === undefined || !pending?.checks) {
      return {
        ok: false,
        status: 400,
        problem: 'This sign-in was already used, or it is not one this gateway started.',
      };
    }
    // Good once, whatever happens next.
    this.#pending.delete(id);
    this.#linkOfState.delete(state);
    const click: StepUpClick = pending;
    if (pending.expiresAt <= this.now()) {
      return { ok: false, status: 400, click, problem: `The sign-in came after its ${this.#window()} had passed.` };
    }
    const providerError = callbackUrl.searchParams.get('error');
    if (providerError !== null) {
      return {
        ok: false,
        status: 400,
        click,
        problem: `The identity provider refused the sign-in (${providerError}).`,
      };
    }
    try {
      const signedIn = await this.signIn.finish(callbackUrl, pending.checks);
      const mismatch = await this.#otherPerson(pending.clicker, signedIn.email);
      if (mismatch !== undefined) return { ok: false, click, ...mismatch };
      const proof: StepUpProof = {
        issuer: signedIn.issuer,
        subject: signedIn.subject,
        email: signedIn.email,
        authTime: signedIn.authTime.toISOString(),
        ...(signedIn.methods && { methods: signedIn.methods }),
      };
      return { ok: true, click, proof };
    } catch (err) {
      if (err instanceof StepUpSignInError) return { ok: false, status: 400, click, problem: `${err.message}.` };
      // Slack or JumpCloud did not answer the check of who signed in: nothing was done, the person may try again.
      return {
        ok: false,
        status: 503,
        click,
        problem: "I couldn't check who signed in with Slack and JumpCloud just now: click again in a minute.",
        cause: err,
      };
    }
  }

  /**
   * Why the person who signed in does not count as the clicker (compared as JumpCloud users), or undefined: 403 for
   * another person or an account that may not decide, 503 when Slack or JumpCloud could not be read.
   */
  async #otherPerson(
    clicker: string,
    signedInEmail: string,
  ): Promise<{ status: 403 | 503; problem: string; cause?: unknown } | undefined> {
    const person = await resolvePerson(this.people, clicker);
    if (!person.ok)
      return { status: person.cause === undefined ? 403 : 503, problem: person.problem, cause: person.cause };
    const signedIn = await this.people.directory.findUserByEmail(signedInEmail);
    if (signedIn?.id === person.person.jumpcloudUserId) return undefined;
    const problem = `You signed in as ${signedInEmail}, but this was asked from the Slack account of ${person.person.email}: sign in as yourself.`;
    return { status: 403, problem };
  }

  #window(): string {
    const minutes = this.settings.maxAgeSeconds / 60;
    return Number.isInteger(minutes)
      ? `${minutes} minute${minutes === 1 ? '' : 's'}`
      : `${this.settings.maxAgeSeconds}s`;
  }

  /** Kept one more max age past expiry, so a late return is told it was late rather than unknown. */
  #forgetExpired(): void {
    const now = this.now();
    for (const [id, pending] of this.#pending) {
      if (pending.expiresAt + this.settings.maxAgeSeconds * 1000 > now) continue;
      this.#pending.delete(id);
      if (pending.checks) this.#linkOfState.delete(pending.checks.state);
    }
  }
}
