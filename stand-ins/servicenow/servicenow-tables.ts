import { randomUUID } from 'node:crypto';
import { ChangeFeed } from '../http/change-feed';

/** One accepted PATCH or PUT: the fields it set, as stored, and when. */
export interface RecordUpdate {
  method: 'PATCH' | 'PUT';
  fields: Record<string, string>;
  /** the record's sys_updated_on after this update */
  at: string;
}

/** A row as the Table API returns it: every value a string. */
export interface ServiceNowRecord {
  table: string;
  fields: Record<string, string>;
  /** every update after the insert, oldest first */
  updates: RecordUpdate[];
}

export interface RecordChange {
  type: 'record-created' | 'record-updated';
  record: ServiceNowRecord;
  at: number;
}

/** Numbering prefixes as an instance would be configured: incidents are INC, the custom audit tables JIT. */
function numberPrefix(table: string): string {
  return table === 'incident' ? 'INC' : 'JIT';
}

/** A new instance's number counters start after 1000, so the first record is e.g. INC0001001. */
const FIRST_NUMBER = 1001;

/** ServiceNow's glide date-time format, in UTC: 'YYYY-MM-DD HH:MM:SS'. */
export function glideDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function copy(record: ServiceNowRecord): ServiceNowRecord {
  return {
    table: record.table,
    fields: { ...record.fields },
    updates: record.updates.map((update) => ({ ...update, fields: { ...update.fields } })),
  };
}

/**
 * The stand-in instance's rows, per table. System fields (sys_*) are kept here and never taken from a client, and
 * `number` is assigned unless the client sets one, as an instance's auto-numbering does.
 */
export class ServiceNowTables {
  readonly changes: ChangeFeed<RecordChange>;
  /** table → sys_id → record, in insertion order */
  readonly #tables = new Map<string, Map<string, ServiceNowRecord>>();
  readonly #nextNumber = new Map<string, number>();

  constructor(onListenerError?: (error: unknown) => void) {
    this.changes = new ChangeFeed<RecordChange>(onListenerError);
  }

  insert(table: string, fields: Record<string, string>, user: string): ServiceNowRecord {
    const now = glideDateTime(new Date());
    const sequence = this.#nextNumber.get(table) ?? FIRST_NUMBER;
    this.#nextNumber.set(table, sequence + 1);
    const sysId = randomUUID().replaceAll('-', '');
    const record: ServiceNowRecord = {
      table,
      fields: {
        number: `${numberPrefix(table)}${String(sequence).padStart(7, '0')}`,
        ...withoutSystemFields(fields),
        sys_id: sysId,
        sys_created_on: now,
        sys_created_by: user,
        sys_updated_on: now,
        sys_updated_by: user,
        sys_mod_count: '0',
      },
      updates: [],
    };
    let rows = this.#tables.get(table);
    if (!rows) {
      rows = new Map();
      this.#tables.set(table, rows);
    }
    rows.set(sysId, record);
    this.changes.emit({ type: 'record-created', record: copy(record), at: Date.now() });
    return copy(record);
  }

  get(table: string, sysId: string): ServiceNowRecord | undefined {
    const record = this.#tables.get(table)?.get(sysId);
    return record && copy(record);
  }

  /** Returns the updated record, or undefined when there is no such record. */
  update(
    table: string,
    sysId: string,
    fields: Record<string, string>,
    method: RecordUpdate['method'],
    user: string,
  ): ServiceNowRecord | undefined {
    const record = this.#tables.get(table)?.get(sysId);
    if (!record) return undefined;
    const set = withoutSystemFields(fields);
    const at = glideDateTime(new Date());
    Object.assign(record.fields, set, {
      sys_updated_on: at,
      sys_updated_by: user,
      sys_mod_count: String(Number(record.fields.sys_mod_count ?? '0') + 1),
    });
    record.updates.push({ method, fields: set, at });
    this.changes.emit({ type: 'record-updated', record: copy(record), at: Date.now() });
    return copy(record);
  }

  list(table: string): ServiceNowRecord[] {
    return [...(this.#tables.get(table)?.values() ?? [])].map(copy);
  }
}

function withoutSystemFields(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !name.startsWith('sys_')));
}
