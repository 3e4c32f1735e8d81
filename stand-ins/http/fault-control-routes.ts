import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type FaultInjector, parseFaultRule } from './fault-injector';
import { CORS_HEADERS, readRawBody, sendEmpty, sendJson, tryParseJson } from './http-io';

/**
 * `/_control/faults` (GET list, POST add, DELETE all) and `DELETE /_control/faults/:id`, shared by both stand-ins so
 * another process (the demo page, a benchmark) can break them. Returns false when the request is not one of these.
 */
export async function serveFaultControl(
  faults: FaultInjector,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (path === '/_control/faults') {
    if (method === 'GET') {
      sendJson(res, 200, faults.list(), CORS_HEADERS);
      return true;
    }
    if (method === 'DELETE') {
      faults.clear();
      sendEmpty(res, 204, CORS_HEADERS);
      return true;
    }
    if (method === 'POST') {
      const json = tryParseJson(await readRawBody(req));
      try {
        if (!json.ok) throw new Error('body is not JSON');
        sendJson(res, 201, { id: faults.add(parseFaultRule(json.value)) }, CORS_HEADERS);
      } catch (error) {
        sendJson(res, 400, { message: error instanceof Error ? error.message : String(error) }, CORS_HEADERS);
      }
      return true;
    }
  }
  const faultId = /^\/_control\/faults\/([^/]+)$/.exec(path)?.[1];
  if (method === 'DELETE' && faultId !== undefined) {
    faults.remove(decodeURIComponent(faultId));
    sendEmpty(res, 204, CORS_HEADERS);
    return true;
  }
  return false;
}
