/**
 * A browser without a screen for the step-up sign-in: follows redirects by hand, keeps each host's cookies, and fills
 * the identity provider stand-in's login form (stand-ins/oidc/oidc-stand-in.ts). Tests of the sign-in's refusals
 * stop it, or change what it carries, at a chosen step.
 */
export interface Page {
  url: string;
  status: number;
  body: string;
}

export class SignInBrowser {
  readonly #cookies = new Map<string, Map<string, string>>();

  /** Opens `url` and follows every redirect; a login form on the way is filled with `credentials`. */
  async visit(
    url: string,
    credentials: { email: string; password: string },
    /** Called with each redirect target; returning false stops there (its URL is the page's, status 0). */
    follow: (next: URL) => boolean = () => true,
  ): Promise<Page> {
    let next = new URL(url);
    let form: URLSearchParams | undefined;
    for (let hop = 0; hop < 20; hop += 1) {
      const res = await this.#request(next, form);
      form = undefined;
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        next = new URL(location, next);
        if (!follow(next)) return { url: next.href, status: 0, body: '' };
        continue;
      }
      const body = await res.text();
      const isLoginForm =
        next.pathname.startsWith('/interaction/') && res.status === 200 && body.includes('name="login"');
      if (!isLoginForm) return { url: next.href, status: res.status, body };
      form = new URLSearchParams({ login: credentials.email, password: credentials.password });
    }
    throw new Error(`more than 20 redirects from ${url}`);
  }

  async #request(url: URL, form: URLSearchParams | undefined): Promise<Response> {
    const jar = this.#cookies.get(url.host) ?? new Map<string, string>();
    this.#cookies.set(url.host, jar);
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      body: form?.toString(),
      redirect: 'manual',
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      if (at > 0) jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return res;
  }
}
