/** JumpCloud list-query parameters (limit/skip, v1 and v2 filter syntax, sort), parsed the way the API reads them. */

export class BadRequestError extends Error {
  constructor(detail: string) {
    super(`Bad Request: ${detail}`);
  }
}

export const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;

export interface Paging {
  limit: number;
  skip: number;
}

function nonNegativeInteger(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new BadRequestError(`request parameter "${name}" must be a non-negative integer`);
  return Number(raw);
}

export function parsePaging(query: URLSearchParams): Paging {
  const limit = nonNegativeInteger(query, 'limit');
  if (limit !== undefined && limit > MAX_LIMIT) {
    throw new BadRequestError(`request parameter "limit" exceeds maximum value of ${MAX_LIMIT}`);
  }
  return {
    limit: limit === undefined || limit === 0 ? DEFAULT_LIMIT : limit,
    skip: nonNegativeInteger(query, 'skip') ?? 0,
  };
}

export function page<T>(items: readonly T[], paging: Paging): T[] {
  return items.slice(paging.skip, paging.skip + paging.limit);
}

export type RecordPredicate = (record: Readonly<Record<string, unknown>>) => boolean;

export interface FilterFields {
  /** fields a filter may name */
  allowed: ReadonlySet<string>;
  /** fields compared without regard to case */
  caseInsensitive?: ReadonlySet<string>;
}

type Comparison = (actual: string, expected: string) => boolean;

const COMPARISONS: Readonly<Record<string, Comparison>> = {
  eq: (a, e) => a === e,
  ne: (a, e) => a !== e,
  gt: (a, e) => a > e,
  gte: (a, e) => a >= e,
  ge: (a, e) => a >= e,
  lt: (a, e) => a < e,
  lte: (a, e) => a <= e,
  le: (a, e) => a <= e,
  search: (a, e) => a.toLowerCase().includes(e.toLowerCase()),
  in: (a, e) => e.split('|').includes(a),
};

const V1_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte']);
const V2_OPERATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'search', 'in']);

function fieldText(record: Readonly<Record<string, unknown>>, field: string): string {
  const value = record[field];
  return value === undefined || value === null ? '' : String(value);
}

/** `field:op:value` (the value may itself contain ':') */
function parseExpression(expression: string, operators: ReadonlySet<string>, fields: FilterFields): RecordPredicate {
  const match = /^([A-Za-z_][\w.]*):([$a-z]+):(.*)$/s.exec(expression);
  if (!match) throw new BadRequestError(`invalid filter ${JSON.stringify(expression)}`);
  const [, field = '', operator = '', value = ''] = match;
  if (!operators.has(operator)) throw new BadRequestError(`unsupported filter operator ${JSON.stringify(operator)}`);
  if (!fields.allowed.has(field)) throw new BadRequestError(`unsupported filter field ${JSON.stringify(field)}`);
  const compare = COMPARISONS[operator.replace('$', '')];
  if (!compare) throw new BadRequestError(`unsupported filter operator ${JSON.stringify(operator)}`);
  const fold = fields.caseInsensitive?.has(field) ?? false;
  const expected = fold ? value.toLowerCase() : value;
  return (record) => {
    const actual = fieldText(record, field);
    return compare(fold ? actual.toLowerCase() : actual, expected);
  };
}

/**
 * v1: `filter=email:$eq:x` (repeatable, or `filter[0]=…&filter[1]=…`) are ANDed; `filter[or][0]=…` are ORed.
 * Values are case-sensitive unless the field is listed in `caseInsensitive`.
 */
export function parseV1Filter(query: URLSearchParams, fields: FilterFields): RecordPredicate {
  const all: RecordPredicate[] = [];
  const any: RecordPredicate[] = [];
  for (const [key, value] of query) {
    if (!key.startsWith('filter')) continue;
    if (/^filter(\[\d*\])?$/.test(key)) all.push(parseExpression(value, V1_OPERATORS, fields));
    else if (/^filter\[or\]\[\d*\]$/.test(key)) any.push(parseExpression(value, V1_OPERATORS, fields));
    else throw new BadRequestError(`unsupported filter parameter ${JSON.stringify(key)}`);
  }
  return (record) => all.every((p) => p(record)) && (any.length === 0 || any.some((p) => p(record)));
}

/** v2: `filter=name:eq:x` (no `$`; repeatable, ANDed). */
export function parseV2Filter(query: URLSearchParams, fields: FilterFields): RecordPredicate {
  const all = query.getAll('filter').map((expression) => parseExpression(expression, V2_OPERATORS, fields));
  return (record) => all.every((p) => p(record));
}

/** `sort=name -email` (v1, space-separated) or `sort=name,-email` (v2); unknown fields are ignored. */
export function parseSort(
  raw: string | null,
  allowed: ReadonlySet<string>,
): ((a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>) => number) | undefined {
  if (!raw) return undefined;
  const keys = raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((key) => ({ field: key.replace(/^-/, ''), direction: key.startsWith('-') ? -1 : 1 }))
    .filter(({ field }) => allowed.has(field));
  if (keys.length === 0) return undefined;
  return (a, b) => {
    for (const { field, direction } of keys) {
      const order = fieldText(a, field).localeCompare(fieldText(b, field));
      if (order !== 0) return order * direction;
    }
    return 0;
  };
}
