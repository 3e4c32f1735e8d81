import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type FaultInjector, type FaultKind } from './fault-injector';
import { applyFaults } from './fault-response';
import { readRawBody, sendEmpty, sendJson, sendText, tryParseJson } from './http-io';

/** One API call as a stand-in saw it, for tests and the sandbox page. */
export interface RecordedCall {
  method: string;
  path: string;
  /** query parameters; a repeated key keeps its last value */
  query: Record<string, string>;
  /** parsed JSON body, the raw text if it was not JSON, or undefined when empty */
  body: unknown;
  /** 0 when a 'drop' fault closed the connection without a response */
  status: number;
  at: number;
  fault?: FaultKind;
}

/** What a stand-in's API answers. */
export interface StandInReply {
  status: number;
  /** undefined = no body; a string is sent as text/plain */
  body?: unknown;
  headers?: Record<string, string>;
  /** why the stand-in refused the request, for its log only (the service's answer may not say) */
  note?: string;
}

export interface RecordedCallOptions<C extends RecordedCall> {
  /** 'JumpCloud', 'Jira', …: the log line's prefix */
  service: string;
  faults: FaultInjector;
  calls: C[];
  closing: AbortSignal;
  log?: (msg: string) => void;
  /** the body of a 'status' fault that names none, in the service's error format */
  faultBody: (status: number) => unknown;
  /** the service's own answer, when no fault answered first; may note more on `call` (e.g. how it authenticated) */
  answer: (request: { method: string; rawBody: string }, call: C) => StandInReply;
}

/**
 * The part every stand-in's API shares: read the body, record the call, let the fault injector answer first,
 * otherwise send the service's answer, and log one line.
 */
export async function serveRecordedCall<C extends RecordedCall>(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  options: RecordedCallOptions<C>,
): Promise<void> {
  const rawBody = await readRawBody(req);
  const method = (req.method ?? 'GET').toUpperCase();
  // Fields beyond RecordedCall's are optional in every stand-in's call type; `answer` fills them.
  const call = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body: recordedBody(rawBody),
    status: 0,
    at: Date.now(),
  } as C;
  const effect = await applyFaults(options.faults, { method, path: url.pathname }, res, {
    defaultBody: options.faultBody,
    signal: options.closing,
  });
  if (effect.fault) call.fault = effect.fault;
  let note: string | undefined;
  if (effect.terminalStatus === undefined) {
    const reply = options.answer({ method, rawBody }, call);
    if (reply.body === undefined) sendEmpty(res, reply.status, reply.headers);
    else if (typeof reply.body === 'string') sendText(res, reply.status, reply.body, reply.headers);
    else sendJson(res, reply.status, reply.body, reply.headers);
    call.status = reply.status;
    note = reply.note;
  } else {
    call.status = effect.terminalStatus;
  }
  options.calls.push(call);
  options.log?.(
    `${options.service} ${method} ${url.pathname}${url.search} → ${call.status === 0 ? 'dropped' : call.status}${call.fault ? ` (fault: ${call.fault})` : ''}${note ? ` (${note})` : ''}`,
  );
}

function recordedBody(rawBody: string): unknown {
  if (rawBody === '') return undefined;
  const json = tryParseJson(rawBody);
  return json.ok ? json.value : rawBody;
}
