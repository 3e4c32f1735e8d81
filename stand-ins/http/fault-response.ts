import { type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { type FaultCall, type FaultInjector, type FaultKind } from './fault-injector';
import { sendJson, sendText } from './http-io';

export interface FaultEffect {
  /** the last fault applied to this call, if any */
  fault?: FaultKind;
  /** set when a fault answered the call itself; 0 means the connection was dropped */
  terminalStatus?: number;
  /** the body a 'status' fault answered with */
  terminalBody?: unknown;
}

/**
 * Applies the faults that match a call: a latency rule first (delay, then carry on), then at most one failure rule
 * (answer with an error status, or destroy the socket with no response).
 */
export async function applyFaults(
  faults: FaultInjector,
  call: FaultCall,
  res: ServerResponse,
  opts: { defaultBody: (status: number) => unknown; signal?: AbortSignal },
): Promise<FaultEffect> {
  const effect: FaultEffect = {};
  const latency = faults.take(call, ['latency']);
  if (latency) {
    effect.fault = 'latency';
    await delay(latency.delayMs ?? 0, undefined, { signal: opts.signal });
  }
  const failure = faults.take(call, ['status', 'drop']);
  if (!failure) return effect;
  effect.fault = failure.kind;
  if (failure.kind === 'drop') {
    res.socket?.destroy();
    effect.terminalStatus = 0;
    return effect;
  }
  const status = failure.status ?? 503;
  const headers: Record<string, string> = {};
  if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
  if (failure.location !== undefined) headers.location = failure.location;
  const body = failure.body ?? opts.defaultBody(status);
  if (typeof body === 'string') sendText(res, status, body, headers);
  else sendJson(res, status, body, headers);
  effect.terminalStatus = status;
  effect.terminalBody = body;
  return effect;
}
