import { GatewayRequestError } from '../request-error';

/**
 * Parses an `application/x-www-form-urlencoded` body strictly: a bad percent-escape or a field given twice is a
 * malformed request, not something to guess about.
 */
export function parseFormBody(raw: string): Record<string, string> {
  const fields = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeFormComponent(equals === -1 ? part : part.slice(0, equals));
    const value = decodeFormComponent(equals === -1 ? '' : part.slice(equals + 1));
    if (fields.has(name))
      throw new GatewayRequestError(
        400,
        `malformed form body: the field "${name.slice(0, 40)}" appears more than once`,
      );
    fields.set(name, value);
  }
  // fromEntries defines own properties, so a field named __proto__ stays an ordinary field.
  return Object.fromEntries(fields);
}

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new GatewayRequestError(400, 'malformed form body: invalid percent-encoding');
  }
}
