/**
 * One JSON request to a service this product calls (ServiceNow, Jira), read whole. When no answer comes (refused,
 * reset, timed out, even while the body streams in), `noAnswer` turns the reason into the service's own error, which
 * is transient by nature. A redirect is returned as it came, never followed with the authorization attached: the
 * caller's error factory makes it a permanent failure (integrations/http-service-error.ts).
 */
export async function requestJson(
  url: URL,
  request: { method: string; authorization: string; body?: unknown; timeoutMs: number; signal?: AbortSignal },
  noAnswer: (problem: string) => Error,
): Promise<{ response: Response; text: string }> {
  const headers: Record<string, string> = { authorization: request.authorization, accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      redirect: 'manual',
      signal: withTimeout(request.timeoutMs, request.signal),
    });
    return { response, text: await response.text() };
  } catch (err) {
    throw noAnswer(describeNoAnswer(err, request.timeoutMs));
  }
}

/**
 * The request's own timeout, and the caller's signal when it has one (an activity whose time is up). Built on a timer
 * rather than `AbortSignal.any([AbortSignal.timeout(…)])`, whose timeout signal Node may collect before it fires.
 */
export function withTimeout(timeoutMs: number, signal: AbortSignal | undefined): AbortSignal {
  if (!signal) return AbortSignal.timeout(timeoutMs);
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The request timed out', 'TimeoutError')),
    timeoutMs,
  );
  timer.unref();
  const stop = () => {
    clearTimeout(timer);
    controller.abort(signal.reason);
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return controller.signal;
}

function describeNoAnswer(err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (err.name === 'AbortError') return 'abandoned: the caller stopped waiting';
  // fetch reports every network failure as 'fetch failed'; the cause says which (reset, refused, closed).
  return err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
}

/** The body as JSON, or as the text it is when it is not JSON (an error page), for the schema to reject. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
