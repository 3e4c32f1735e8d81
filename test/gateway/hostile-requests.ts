/**
 * Generators of hostile requests to the gateway, for test/gateway/hostile-input.fuzz.test.ts.
 *
 * Every generated request carries at least one defect that the gateway's documented contract (docs/gateway.md) refuses
 * before anything happens, or addresses nothing that exists, so "nothing was started, updated or changed" is a sound
 * property for all of them:
 *
 * - the bodies worth stealing ("once-valid" requests: a `/jit` command, an Approve/Revoke/... click by an approver on a
 *   real grant, a request-form submission with correctly signed private_metadata) are only ever sent with a broken
 *   signature, a timestamp outside the 5-minute window, a content type other than a form, more than 256 KiB, or a
 *   form the strict parser refuses;
 * - correctly signed payloads are built from such a body by applying one *breaking* mutation chosen from a list where
 *   each entry violates the payload schema, names an unknown type / action_id / callback_id / command, or makes a
 *   button value or private_metadata something that is not a grant reference (every candidate is checked with the
 *   gateway's own parsers, `parseGrantRef` / `parseExtensionRef` / `verifyMetadata`, and dropped if it would parse);
 *   the noise added besides (extra fields, hostile strings in free-text fields) cannot repair the defect;
 * - correctly signed, well-formed form submissions always contain at least one value the form refuses inline (a group
 *   outside the policy, a duration that is not a preset, a justification under 10 or over 500 characters, ...);
 * - the one family of fully valid requests, clicks whose button value is a well-formed grant reference, points only at
 *   workflow IDs no workflow has (24-hex IDs outside every ID of the test's world) or at a real workflow ID with a
 *   freshly generated run ID that is not its run: Temporal answers "not found" and the clicker is told so;
 * - unsigned `ssl_check=1` probes to /slack/commands are answered with an empty 200 by contract and do nothing (their
 *   imitations, a "?" before the field, the field twice or encoded otherwise, must be refused as unsigned);
 * - `/jit <anything unknown>` only answers with the usage text; GET and HEAD of /healthz, /readyz and /metrics read
 *   nothing from the request; other paths and methods are 404s (or 400s for URLs that do not decode).
 *
 * Each request says what the gateway must answer (`expect`); the expectation follows the gateway's order of checks:
 * content type (415), size (413), signature (401), form syntax (400), then the payload.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { SLACK_BODY_LIMIT_BYTES } from '../../gateway/slack/request-signature';
import { signMetadata, verifyMetadata } from '../../gateway/slack/signed-metadata';
import {
  ActionIds,
  BREAK_GLASS_OPTION,
  CallbackIds,
  ExtendFormInputs,
  RejectReasonInput,
  RequestFormInputs,
} from '../../integrations/slack/block-kit/ids';
import { signSlackRequest } from '../../stand-ins/slack/slack-signature';
import { parseExtensionRef, parseGrantRef } from '../../workflows/grant/grant-workflow-id';

/** What the generators know about the world the gateway runs in. */
export interface HostileWorld {
  signingSecret: string;
  /** The gateway's clock, frozen for the run (seconds). */
  nowSeconds: number;
  /** Origin of the Slack stand-in; response URLs point at it. */
  standInUrl: string;
  command: string;
  people: ReadonlyArray<{ slackUserId: string; jumpcloudUserId: string; email: string }>;
  /** Groups of the policy; the first allows break-glass, the second does not. */
  groupIds: readonly [string, string];
  durationPresetsSeconds: readonly number[];
  /** Real, running grant workflows of people in `people`. */
  grants: ReadonlyArray<{ workflowId: string; runId: string }>;
  /** Every 24-hex ID in the world (users, groups): IDs of "non-existent" workflows are chosen outside it. */
  knownHexIds: ReadonlySet<string>;
}

export type Expectation =
  /** Exactly this 4xx. */
  | { kind: 'refused'; status: number }
  /** Some 4xx (unknown routes and methods). */
  | { kind: 'refused-any' }
  /** 200 with `response_action: 'errors'`: the modal shows what is wrong. */
  | { kind: 'inline-errors' }
  /** 200 with the ephemeral usage text that starts "I don't know". */
  | { kind: 'help' }
  /** An empty 200, then the gateway tells the clicker through this response_url that the grant does not exist. */
  | { kind: 'told'; responseUrl: string }
  /** Slack's certificate probe (or a failed imitation of one): an empty 200, or 400/401. */
  | { kind: 'ssl-check' }
  /** Health, readiness, metrics: 200. */
  | { kind: 'probe' };

export interface HostileRequest {
  family: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
  url: string;
  headers: Record<string, string | string[]>;
  body?: string;
  expect: Expectation;
  [fc.toStringMethod](): string;
}

/** The content types the gateway accepts as forms; anything else is a 415. */
const FORM = 'application/x-www-form-urlencoded';
const FORM_CONTENT_TYPES = [
  FORM,
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded;charset=UTF-8',
  'Application/X-WWW-Form-URLEncoded',
];
const UNSUPPORTED_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'text/html',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  'application/xml',
  'text/x-www-form-urlencoded',
  'application/x-www-form-urlencodedx',
  'application/x-www-form-urlencoded,text/plain',
  'application/x-www-form',
  'x-www-form-urlencoded',
  'application/*',
  '*/*',
  '',
  ';',
  'garbage',
];

const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;
const GRANT_ACTIONS = [
  ActionIds.approve,
  ActionIds.reject,
  ActionIds.revoke,
  ActionIds.extend,
  ActionIds.acknowledgeBreakGlass,
];
const EXTENSION_ACTIONS = [ActionIds.approveExtension, ActionIds.rejectExtension];
const KNOWN_ACTIONS: readonly string[] = [...GRANT_ACTIONS, ...EXTENSION_ACTIONS];
const KNOWN_CALLBACKS: readonly string[] = Object.values(CallbackIds);
const COMMAND_FIELDS = ['token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name'].concat(
  ['command', 'text', 'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id'],
);
const SUBCOMMANDS = ['', 'status', 'drift', 'help'];

// ---------------------------------------------------------------------------------------------------------------------
// Hostile values

/** Characters that break naive code: lone surrogates, bidi overrides, RTL text, zero-width, NUL, combining marks, … */
const NASTY_UNITS = [
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\u202e',
  '\u202d',
  '\u2066',
  '\u2067',
  '\u2069',
  '\u200f',
  '\u200e',
  '\u061c',
  'مرحبا',
  'שָׁלוֹם',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u0000',
  '\u0301',
  '\u{1F469}\u200d\u{1F469}\u200d\u{1F467}',
  '\u{10FFFF}',
  '\uffff',
  '\ufffd',
  '\r\n',
  '\t',
  ' ',
  '\u00a0',
  '\u2028',
  '%',
  '%25',
  '%E0%A4%A',
  '&',
  '=',
  '+',
  '?',
  '"',
  "'",
  '\\',
  '/',
  '<!channel>',
  '<@U0APPROVER1>',
  '*bold*',
  '`',
  '${x}',
  '{{x}}',
  '../',
  '__proto__',
  'İ',
  'ß',
  'K',
];

const hostileUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_UNITS) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

/**
 * 1,000 to 120,000 characters, mostly the shorter: encoded, some bodies carrying one are over the body limit (then the
 * expectation is 413). Rare, so that the run stays fast: a request draws several hostile texts.
 */
const hugeText = fc
  .tuple(
    fc.constantFrom('x', 'é', '\u202e', '\ud800', '🙂', '%', ' ', '\u0000'),
    fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1000, max: 20_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 120_000 }) },
    ),
  )
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 40, arbitrary: fc.string({ unit: hostileUnit, maxLength: 40 }) },
  { weight: 1, arbitrary: hugeText },
);

/** JSON text spliced in as it is: JSON.stringify would overflow the stack on these depths. */
class RawJson {
  constructor(readonly text: string) {}
}

const deepJson = fc
  .tuple(
    fc.constantFrom('[', '{"a":', '[{"b":'),
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 500 }) },
      { weight: 1, arbitrary: fc.integer({ min: 500, max: 20_000 }) },
    ),
  )
  .map(([open, depth]) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
    return new RawJson(`${open.repeat(depth)}0${close.repeat(depth)}`);
  });

const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  hostileText,
  fc.array(hostileText, { maxLength: 3 }),
  fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
  deepJson,
);
const nonString: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileText, { maxLength: 3 }),
  fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
  deepJson,
);
const nonObject: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  hostileText,
  fc.array(hostileText, { maxLength: 3 }),
  deepJson.filter((raw) => raw.text.startsWith('[')),
);

const hexId = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 24, maxLength: 24 });

function nearMisses(real: string): string[] {
  return [
    real.toUpperCase(),
    `${real} `,
    ` ${real}`,
    `${real}\u200f`,
    `\u202e${real}`,
    `${real}\u0000`,
    real.slice(0, -1),
    `${real}s`,
    real.replace(/_/g, '-'),
    real.replace(/_/g, '\u2011'),
    real.replace(/a/g, '\u0430'),
  ];
}

/** Noise field names: the dangerous ones (prototype keys) and hostile ones, never a field the schema knows. */
function noiseName(reserved: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', ''),
      hostileText,
    )
    .filter((name) => !reserved.includes(name) && !/ssl.?check/i.test(name));
}

// ---------------------------------------------------------------------------------------------------------------------
// Encoding

const LONE_SURROGATE = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;

/**
 * Percent-encodes like a browser, except that a lone surrogate (which UTF-8 cannot carry) is sent as its CESU-8 bytes,
 * as a hostile client would: no UTF-8 decoder accepts them, so such a form is malformed.
 */
function encodeFormComponent(text: string): { encoded: string; malformed: boolean } {
  if (!LONE_SURROGATE.test(text)) return { encoded: encodeURIComponent(text), malformed: false };
  const encoded = text
    .split(LONE_SURROGATE)
    .map((part, i) => {
      if (i % 2 === 0) return encodeURIComponent(part);
      const unit = part.charCodeAt(0);
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    })
    .join('');
  return { encoded, malformed: true };
}

type Fields = Array<[string, string]>;

function formBody(fields: Fields): { body: string; malformed: boolean } {
  let malformed = false;
  const parts = fields.map(([name, value]) => {
    const n = encodeFormComponent(name);
    const v = encodeFormComponent(value);
    malformed ||= n.malformed || v.malformed;
    return `${n.encoded}=${v.encoded}`;
  });
  return { body: parts.join('&'), malformed };
}

/** JSON.stringify that splices RawJson in verbatim (lone surrogates come out as \u escapes, as JSON allows). */
function stringifyPayload(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `\u0000raw-json:${raws.push(v.text) - 1}\u0000` : v,
  );
  return text.replace(/"\\u0000raw-json:(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)] ?? 'null');
}

// ---------------------------------------------------------------------------------------------------------------------
// Requests

/** How the request is signed. Only 'valid' passes the gateway's check. */
type Signing =
  | { kind: 'valid'; offsetSeconds: number }
  | { kind: 'invalid'; how: string; headers: Record<string, string | string[]> };

interface Draft {
  family: string;
  path: string;
  body: string;
  /** The form carries a percent-encoding no UTF-8 decoder accepts. */
  malformed?: boolean;
  contentType?: string | null;
  signing: Signing;
  /** What the gateway answers once content type, size, signature and form syntax are fine. */
  accepted: Expectation;
}

function describe(r: Omit<HostileRequest, typeof fc.toStringMethod>): string {
  const body = r.body ?? '';
  const preview = body.length > 600 ? `${body.slice(0, 600)}… (${body.length} chars)` : body;
  return `${r.family}: ${r.method} ${r.url.slice(0, 200)} headers=${JSON.stringify(r.headers)} body=${JSON.stringify(preview)} expect=${JSON.stringify(r.expect)}`;
}

function request(r: Omit<HostileRequest, typeof fc.toStringMethod>): HostileRequest {
  return { ...r, [fc.toStringMethod]: () => describe(r) };
}

function finish(world: HostileWorld, draft: Draft): HostileRequest {
  const contentType = draft.contentType === undefined ? FORM : draft.contentType;
  const headers: Record<string, string | string[]> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  let sslProbe = draft.accepted.kind === 'ssl-check';
  if (draft.signing.kind === 'valid') {
    const timestamp = world.nowSeconds + draft.signing.offsetSeconds;
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = signSlackRequest(world.signingSecret, timestamp, draft.body);
    sslProbe = false;
  } else {
    Object.assign(headers, draft.signing.headers);
  }
  let expect: Expectation;
  if (contentType === null || !FORM_CONTENT_TYPES.includes(contentType)) expect = { kind: 'refused', status: 415 };
  else if (Buffer.byteLength(draft.body) > SLACK_BODY_LIMIT_BYTES) expect = { kind: 'refused', status: 413 };
  else if (sslProbe) expect = { kind: 'ssl-check' };
  else if (draft.signing.kind !== 'valid') expect = { kind: 'refused', status: 401 };
  else if (draft.malformed) expect = { kind: 'refused', status: 400 };
  else expect = draft.accepted;
  const family = draft.signing.kind === 'valid' ? draft.family : `${draft.family} (${draft.signing.how})`;
  return request({ family, method: 'POST', url: draft.path, headers, body: draft.body, expect });
}

const validSigning: fc.Arbitrary<Signing> = fc
  .integer({ min: -300, max: 300 })
  .map((offsetSeconds) => ({ kind: 'valid', offsetSeconds }));

/** A signature the gateway must refuse: forged, for other bytes, another time, malformed, missing, or stale. */
function invalidSigning(world: HostileWorld, body: string): fc.Arbitrary<Signing> {
  const now = world.nowSeconds;
  const secret = world.signingSecret;
  const fresh = fc.integer({ min: now - 300, max: now + 300 });
  // Slack's v0 scheme, for any timestamp text (the malformed ones included).
  const sign = (key: string, ts: number | string, text: string) =>
    `v0=${createHmac('sha256', key).update(`v0:${ts}:${text}`, 'utf8').digest('hex')}`;
  const signed = (how: string, timestamp: string | number, signature: string | string[]): Signing => ({
    kind: 'invalid',
    how,
    headers: { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
  });
  return fc.oneof(
    fc
      .tuple(
        fresh,
        hostileText.filter((s) => s !== secret),
      )
      .map(([ts, wrong]) => signed('signed with another secret', ts, sign(wrong, ts, body))),
    fc
      .tuple(fresh, fc.constantFrom('&x=1', ' ', '0', '%20'), fc.boolean())
      .map(([ts, extra, prepend]) =>
        signed('signature over other bytes', ts, sign(secret, ts, prepend ? `${extra}${body}` : `${body}${extra}`)),
      ),
    fc
      .tuple(fresh, fc.integer({ min: 1, max: 600 }), fc.boolean())
      .map(([ts, delta, later]) =>
        signed('signed for another timestamp', ts, sign(secret, later ? ts + delta : ts - delta, body)),
      ),
    fc
      .tuple(
        fresh,
        fc.constantFrom(
          'uppercase',
          'v1 prefix',
          'no prefix',
          'one hex digit short',
          'one hex digit long',
          'not hex',
          'empty',
          'v0= alone',
          'base64',
          'forged first of two',
        ),
      )
      .map(([ts, how]) => {
        const good = sign(secret, ts, body);
        const hex = good.slice(3);
        const variants: Record<string, string | string[]> = {
          uppercase: /[a-f]/.test(hex) ? `v0=${hex.toUpperCase()}` : `v0=${hex.slice(1)}`,
          'v1 prefix': `v1=${hex}`,
          'no prefix': hex,
          'one hex digit short': `v0=${hex.slice(1)}`,
          'one hex digit long': `v0=${hex}0`,
          'not hex': `v0=${hex.slice(1)}g`,
          empty: '',
          'v0= alone': 'v0=',
          base64: `v0=${Buffer.from(hex, 'hex').toString('base64')}`,
          'forged first of two': [sign(`${secret}-forged`, ts, body), good],
        };
        return signed(`malformed signature: ${how}`, ts, variants[how] ?? '');
      }),
    fc.constantFrom<Signing>(
      { kind: 'invalid', how: 'no signature headers', headers: {} },
      {
        kind: 'invalid',
        how: 'no timestamp header',
        headers: { 'x-slack-signature': sign(secret, now, body) },
      },
      {
        kind: 'invalid',
        how: 'no signature header',
        headers: { 'x-slack-request-timestamp': String(now) },
      },
    ),
    // Stale or from the future: a correctly signed request replayed after the 5-minute window.
    fc.tuple(fc.integer({ min: 301, max: 400_000_000 }), fc.boolean()).map(([age, past]) => {
      const ts = past ? now - age : now + age;
      return signed(past ? 'replayed after the window' : 'timestamp from the future', ts, sign(secret, ts, body));
    }),
    fc
      .constantFrom('', 'abc', '1e9', '-1', `${now}.0`, `0x${now.toString(16)}`, ` ${now}`, `${now} `, `0${now}00`)
      .map((ts) => signed(`malformed timestamp ${JSON.stringify(ts)}`, ts, sign(secret, ts, body))),
    fc
      .constantFrom('١٧٠٠٠٠٠٠٠٠', '999999999999', '0000000000000', `${now}`.padStart(13, '0'))
      .map((ts) => signed(`malformed timestamp ${JSON.stringify(ts)}`, ts, sign(secret, ts, body))),
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// The once-valid bodies: what an attacker would most like to get through

interface Pieces {
  person: HostileWorld['people'][number];
  other: HostileWorld['people'][number];
  grant: HostileWorld['grants'][number];
  withRunId: boolean;
  extensionId: number;
  responseToken: string;
  triggerId: string;
}

function pieces(world: HostileWorld): fc.Arbitrary<Pieces> {
  return fc.record({
    person: fc.constantFrom(...world.people),
    other: fc.constantFrom(...world.people),
    grant: fc.constantFrom(...world.grants),
    withRunId: fc.boolean(),
    extensionId: fc.integer({ min: 1, max: 9999 }),
    responseToken: fc.uuid().map((u) => `fuzz${u.replace(/-/g, '')}`),
    triggerId: fc.integer({ min: 1, max: 1e9 }).map((n) => `${n}.${n % 977}.fuzz${n.toString(16)}`),
  });
}

const responseUrl = (world: HostileWorld, token: string) => `${world.standInUrl}/response/${token}`;
const grantRef = (p: Pieces) => (p.withRunId ? `${p.grant.workflowId}/${p.grant.runId}` : p.grant.workflowId);

function commandFields(world: HostileWorld, p: Pieces, text: string): Fields {
  return [
    ['token', 'deprecated-verification-token'],
    ['team_id', 'T0SANDBOX'],
    ['team_domain', 'sandbox'],
    ['channel_id', 'C0GENERAL'],
    ['channel_name', 'general'],
    ['user_id', p.person.slackUserId],
    ['user_name', 'someone'],
    ['command', world.command],
    ['text', text],
    ['api_app_id', 'A0JITACCESS'],
    ['is_enterprise_install', 'false'],
    ['response_url', responseUrl(world, p.responseToken)],
    ['trigger_id', p.triggerId],
  ];
}

type Payload = Record<string, unknown>;

function clickPayload(world: HostileWorld, p: Pieces, actionId: string, value: string | undefined): Payload {
  return {
    type: 'block_actions',
    user: { id: p.person.slackUserId, username: 'someone', team_id: 'T0SANDBOX' },
    api_app_id: 'A0JITACCESS',
    token: 'deprecated-verification-token',
    container: { type: 'message', channel_id: 'C0APPROVALS', message_ts: '1700000000.000100' },
    trigger_id: p.triggerId,
    team: { id: 'T0SANDBOX', domain: 'sandbox' },
    channel: { id: 'C0APPROVALS', name: 'approvals' },
    response_url: responseUrl(world, p.responseToken),
    actions: [{ action_id: actionId, block_id: 'grant_actions', value, type: 'button', action_ts: '1700000001.0' }],
  };
}

function submissionPayload(p: Pieces, callbackId: string, privateMetadata: string, values: Payload): Payload {
  return {
    type: 'view_submission',
    team: { id: 'T0SANDBOX', domain: 'sandbox' },
    user: { id: p.person.slackUserId, username: 'someone', team_id: 'T0SANDBOX' },
    api_app_id: 'A0JITACCESS',
    token: 'deprecated-verification-token',
    trigger_id: p.triggerId,
    view: {
      id: `V0FUZZ${p.extensionId}`,
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: '1700000000.abcdef12',
    },
    response_urls: [],
  };
}

const select = (value: string) => ({
  type: 'static_select',
  selected_option: { text: { type: 'plain_text', text: value }, value },
});
const textInput = (value: string | null) => ({ type: 'plain_text_input', value });

function requestFormValues(groupId: string | undefined, duration: string, justification: string, breakGlass: boolean) {
  const { group, duration: durationInput, justification: justificationInput, breakGlass: check } = RequestFormInputs;
  return {
    ...(groupId === undefined ? {} : { [group.blockId]: { [group.actionId]: select(groupId) } }),
    [durationInput.blockId]: { [durationInput.actionId]: select(duration) },
    [justificationInput.blockId]: { [justificationInput.actionId]: textInput(justification) },
    ...(breakGlass
      ? {
          [check.blockId]: {
            [check.actionId]: {
              type: 'checkboxes',
              selected_options: [{ text: { type: 'plain_text', text: 'Emergency' }, value: BREAK_GLASS_OPTION }],
            },
          },
        }
      : {}),
  };
}

function requestMetadata(world: HostileWorld, person: Pieces['person']): string {
  return signMetadata(world.signingSecret, {
    slackUserId: person.slackUserId,
    jumpcloudUserId: person.jumpcloudUserId,
    email: person.email,
  });
}

const interactionFields = (payload: unknown): Fields => [['payload', stringifyPayload(payload)]];

interface BodyDraft {
  family: string;
  path: '/slack/commands' | '/slack/interactions';
  fields: Fields;
}

/** A request that would act if it arrived correctly signed: the bodies the signature, size and type checks guard. */
function onceValidBody(world: HostileWorld): fc.Arbitrary<BodyDraft> {
  const presets = world.durationPresetsSeconds.map(String);
  return fc.oneof(
    fc.tuple(pieces(world), fc.constantFrom(...SUBCOMMANDS)).map(([p, text]) => ({
      family: `once-valid /jit ${text}`.trim(),
      path: '/slack/commands' as const,
      fields: commandFields(world, p, text),
    })),
    fc.tuple(pieces(world), fc.constantFrom(...GRANT_ACTIONS)).map(([p, actionId]) => ({
      family: `once-valid ${actionId} click on a real grant`,
      path: '/slack/interactions' as const,
      fields: interactionFields(clickPayload(world, p, actionId, grantRef(p))),
    })),
    fc.tuple(pieces(world), fc.constantFrom(...EXTENSION_ACTIONS)).map(([p, actionId]) => ({
      family: `once-valid ${actionId} click on a real grant`,
      path: '/slack/interactions' as const,
      fields: interactionFields(clickPayload(world, p, actionId, `${grantRef(p)}:${p.extensionId}`)),
    })),
    fc
      .tuple(pieces(world), fc.constantFrom(...world.groupIds), fc.constantFrom(...presets), fc.boolean())
      .map(([p, groupId, duration, breakGlass]) => ({
        family: 'once-valid request-form submission',
        path: '/slack/interactions' as const,
        fields: interactionFields(
          submissionPayload(
            p,
            CallbackIds.request,
            requestMetadata(world, p.person),
            requestFormValues(groupId, duration, 'Investigating incident INC-4242 in production', breakGlass),
          ),
        ),
      })),
    pieces(world).map((p) => ({
      family: 'once-valid rejection-reason submission',
      path: '/slack/interactions' as const,
      fields: interactionFields(
        submissionPayload(p, CallbackIds.rejectReason, grantRef(p), {
          [RejectReasonInput.blockId]: { [RejectReasonInput.actionId]: textInput('not during the freeze') },
        }),
      ),
    })),
    fc.tuple(pieces(world), fc.constantFrom(...presets)).map(([p, duration]) => ({
      family: 'once-valid extension-form submission',
      path: '/slack/interactions' as const,
      fields: interactionFields(
        submissionPayload(p, CallbackIds.extend, grantRef(p), {
          [ExtendFormInputs.duration.blockId]: { [ExtendFormInputs.duration.actionId]: select(duration) },
          [ExtendFormInputs.reason.blockId]: { [ExtendFormInputs.reason.actionId]: textInput('incident still open') },
        }),
      ),
    })),
  );
}

const otherPath = (path: string) => (path === '/slack/commands' ? '/slack/interactions' : '/slack/commands');

/** Once-valid bodies with a bad signature, a stale or future timestamp, or a malformed one. */
function badSignatures(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  return fc
    .tuple(onceValidBody(world), fc.boolean(), fc.constantFrom(...FORM_CONTENT_TYPES))
    .chain(([draft, swapRoute, contentType]) => {
      const { body, malformed } = formBody(draft.fields);
      return invalidSigning(world, body).map((signing) =>
        finish(world, {
          family: draft.family,
          path: swapRoute ? otherPath(draft.path) : draft.path,
          body,
          malformed,
          contentType,
          signing,
          accepted: { kind: 'refused', status: 401 },
        }),
      );
    });
}

/** Once-valid bodies, correctly signed, under a content type that is not a form (or none at all): 415. */
function wrongContentTypes(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  return fc
    .tuple(onceValidBody(world), fc.constantFrom<string | null>(...UNSUPPORTED_CONTENT_TYPES, null), fc.boolean())
    .chain(([draft, contentType, asJson]) => {
      const body = asJson ? JSON.stringify(Object.fromEntries(draft.fields)) : formBody(draft.fields).body;
      return validSigning.map((signing) =>
        finish(world, {
          family: `${draft.family} as ${contentType ?? 'no content type'}`,
          path: draft.path,
          body,
          contentType,
          signing,
          accepted: { kind: 'refused', status: 415 },
        }),
      );
    });
}

/** Once-valid bodies padded over 256 KiB, signed or not: 413. */
function oversized(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  return fc
    .tuple(onceValidBody(world), fc.integer({ min: 1, max: 65_536 }), fc.boolean(), fc.boolean())
    .chain(([draft, extra, padFirst, signed]) => {
      const { body } = formBody(draft.fields);
      const padLength = SLACK_BODY_LIMIT_BYTES - Buffer.byteLength(body) + extra;
      const pad = `pad=${'x'.repeat(Math.max(1, padLength - 5))}`;
      const padded = padFirst ? `${pad}&${body}` : `${body}&${pad}`;
      const signing = signed ? validSigning : invalidSigning(world, padded);
      return signing.map((s) =>
        finish(world, {
          family: `${draft.family} over the body limit`,
          path: draft.path,
          body: padded,
          signing: s,
          accepted: { kind: 'refused', status: 413 },
        }),
      );
    });
}

/** Once-valid bodies, correctly signed, whose form the strict parser refuses: bad percent-encoding or a field twice. */
function malformedForms(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  // Invalid wherever they stand: not hex, a byte no UTF-8 sequence starts with, surrogate or overlong encodings.
  const badEscape = fc.constantFrom('%ZZ', '%G0', '%FF', '%ED%A0%80', '%ED%BF%BF', '%C0%AF', '%80', '%F8%88%80%80%80');
  return fc
    .tuple(onceValidBody(world), fc.nat(), fc.oneof(badEscape, fc.constant('duplicate'), fc.constant('trailing %')))
    .chain(([draft, index, defect]) => {
      const parts = formBody(draft.fields).body.split('&');
      const at = index % parts.length;
      const target = parts[at] ?? '';
      let body: string;
      let how: string;
      if (defect === 'duplicate') {
        const name = target.split('=')[0] ?? '';
        const variant = index % 3 === 0 ? name.replace(/_/g, '%5F') : name;
        body = `${parts.join('&')}&${variant}=${index % 2 === 0 ? (target.split('=')[1] ?? '') : 'other'}`;
        how = `field ${JSON.stringify(decodeURIComponent(name))} twice`;
      } else if (defect === 'trailing %') {
        body = `${parts.join('&')}&x=%`;
        how = 'a trailing %';
      } else {
        const [name = '', ...value] = target.split('=');
        parts[at] = index % 2 === 0 ? `${name}=${defect}${value.join('=')}` : `${defect}${name}=${value.join('=')}`;
        body = parts.join('&');
        how = `bad percent-encoding ${defect}`;
      }
      return validSigning.map((signing) =>
        finish(world, {
          family: `${draft.family} with ${how}`,
          path: draft.path,
          body,
          malformed: true,
          signing,
          accepted: { kind: 'refused', status: 400 },
        }),
      );
    });
}

// ---------------------------------------------------------------------------------------------------------------------
// Correctly signed, well-formed forms whose content is wrong

/** A correctly signed /jit command with one defect: a bad required field, another command, or an unknown subcommand. */
function commandDefects(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  const badUserId = fc
    .oneof(fc.constantFrom('', 'u0APPROVER', 'U', 'W', 'X0ABC', 'U0abc', 'U-1', 'Ｕ0ABC', 'U0ABC\u200f'), hostileText)
    .filter((s) => !SLACK_USER_ID.test(s));
  const badUrl = fc.constantFrom(
    '',
    'not a url',
    'javascript:alert(1)',
    'ftp://example.com/x',
    'file:///etc/passwd',
    'data:text/html,x',
    '//evil.example/x',
    'http//x',
    'https://',
    ...OUTSIDE_RESPONSE_URL_PREFIX,
  );
  const otherCommand = fc
    .oneof(fc.constantFrom(...nearMisses(world.command), '/JIT', '/jit2', '/deploy', '/', 'jit'), hostileText)
    .filter((c) => c !== world.command && c.length > 0);
  const unknownSubcommand = hostileText.filter((text) => {
    const [first = ''] = text.trim().split(/\s+/);
    return !SUBCOMMANDS.includes(first.toLowerCase());
  });
  type Defect = { how: string; apply: (f: Map<string, string>) => void; accepted: Expectation };
  const refused400: Expectation = { kind: 'refused', status: 400 };
  const defect: fc.Arbitrary<Defect> = fc.oneof(
    fc.constantFrom('user_id', 'trigger_id', 'response_url', 'command').map((name) => ({
      how: `without ${name}`,
      apply: (f: Map<string, string>) => void f.delete(name),
      accepted: refused400,
    })),
    badUserId.map((id) => ({
      how: 'a bad user_id',
      apply: (f: Map<string, string>) => void f.set('user_id', id),
      accepted: refused400,
    })),
    fc.constant({
      how: 'an empty trigger_id',
      apply: (f: Map<string, string>) => void f.set('trigger_id', ''),
      accepted: refused400,
    }),
    badUrl.map((url) => ({
      how: 'a bad response_url',
      apply: (f: Map<string, string>) => void f.set('response_url', url),
      accepted: refused400,
    })),
    otherCommand.map((c) => ({
      how: 'another command',
      apply: (f: Map<string, string>) => void f.set('command', c),
      accepted: refused400,
    })),
    unknownSubcommand.map((text) => ({
      how: 'an unknown subcommand',
      apply: (f: Map<string, string>) => void f.set('text', text),
      accepted: { kind: 'help' } as Expectation,
    })),
  );
  const noise = fc.array(fc.tuple(noiseName(COMMAND_FIELDS), hostileText), { maxLength: 3 });
  return fc
    .tuple(
      pieces(world),
      fc.constantFrom(...SUBCOMMANDS),
      defect,
      noise,
      fc.option(hostileText),
      fc.option(hostileText),
    )
    .chain(([p, text, d, extra, teamId, channelId]) => {
      const fields = new Map(commandFields(world, p, text));
      if (teamId !== null) fields.set('team_id', teamId);
      if (channelId !== null) fields.set('channel_id', channelId);
      d.apply(fields);
      for (const [name, value] of extra) if (!fields.has(name)) fields.set(name, value);
      const { body, malformed } = formBody([...fields]);
      return validSigning.map((signing) =>
        finish(world, {
          family: `signed /jit with ${d.how}`,
          path: '/slack/commands',
          body,
          malformed,
          signing,
          accepted: d.accepted,
        }),
      );
    });
}

/** Sets `path` (dot-separated) in a payload, or deletes it when `value` is `DELETE`. */
const DELETE = Symbol('delete');
function setPath(target: Payload, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: unknown = target;
  for (const key of keys.slice(0, -1)) node = (node as Record<string, unknown>)[key];
  const last = keys[keys.length - 1] ?? '';
  const parent = node as Record<string, unknown>;
  if (value === DELETE) delete parent[last];
  else Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true });
}

interface Mutation {
  how: string;
  path: string;
  value: unknown;
}

const mutation = (path: string, how: string) => (value: unknown) => ({ how, path, value });

/**
 * Well-formed http(s) URLs outside the gateway's response_url prefix (the Slack stand-in's `/response/`): Slack's own
 * hooks count as outside too, since only the configured prefix does.
 */
const OUTSIDE_RESPONSE_URL_PREFIX = [
  'https://hooks.slack.com.evil.example/commands/T0/1/x',
  'https://hooks.slack.com/actions/T0SANDBOX/1/x',
  'http://127.0.0.1:9/response/x',
  'https://evil.example/response/x',
];

/** Breaking mutations of a block_actions payload whose action is `actionId`. */
function clickMutations(actionId: string, validValue: string): fc.Arbitrary<Mutation> {
  const unknownAction = fc
    .oneof(fc.constantFrom(...KNOWN_ACTIONS.flatMap(nearMisses), 'grant_everything', 'approve'), hostileText)
    .filter((a) => !KNOWN_ACTIONS.includes(a) && a.length > 0);
  const isExtension = (EXTENSION_ACTIONS as readonly string[]).includes(actionId);
  const parses = (v: string) => (isExtension ? parseExtensionRef(v) : parseGrantRef(v)) !== undefined;
  const [ref = '', ext] = validValue.split(':');
  const [workflowId = '', runId] = ref.split('/');
  const badValue = fc
    .oneof(
      fc.constantFrom(
        ...nearMisses(validValue),
        `${ref}/`,
        `${ref}/x`,
        `${workflowId}/${(runId ?? '').toUpperCase() || 'A'.repeat(36)}`,
        `${workflowId}/${(runId ?? '').slice(1) || 'abc'}`,
        workflowId.replace(/-([0-9a-f]{24})$/, '_$1'),
        workflowId.slice(0, -1),
        `${workflowId}0`,
        workflowId.replace(/[0-9a-f]{24}$/, 'g'.repeat(24)),
        ref.replace('/', '%2F'),
        `${ref}:0`,
        `${ref}:10000`,
        `${ref}:-1`,
        `${ref}:1.5`,
        `${ref}:01`,
        `${ref}:`,
        `${ref}:${ext ?? '1'}:2`,
        'some-other-workflow',
        '',
      ),
      hostileText,
    )
    .filter((v) => !parses(v));
  return fc.oneof(
    fc.oneof(fc.constant(DELETE), nonObject).map(mutation('user', 'user missing or not an object')),
    fc
      .oneof(
        fc.constant(DELETE),
        nonString,
        fc.constantFrom('', 'u0approver', 'U', 'W-1', 'Ｕ0ABC'),
        hostileText.filter((s) => !SLACK_USER_ID.test(s)),
      )
      .map(mutation('user.id', 'user.id missing, not a string or not a Slack user ID')),
    fc
      .oneof(fc.constant(DELETE), fc.constant(''), nonString)
      .map(mutation('trigger_id', 'trigger_id missing, empty or not a string')),
    fc
      .oneof(
        nonString.filter((v) => v !== null),
        fc.constantFrom('', 'javascript:alert(1)', 'ftp://x/y', 'file:///etc/passwd', 'not a url'),
      )
      .map(mutation('response_url', 'response_url not an http(s) URL')),
    fc
      .constantFrom(...OUTSIDE_RESPONSE_URL_PREFIX)
      .map(mutation('response_url', 'response_url outside the Slack prefix')),
    fc
      .oneof(
        fc.constant(DELETE),
        nonObject.filter((v) => !Array.isArray(v)),
        fc.constant([]),
        fc.array(nonObject, { minLength: 1, maxLength: 2 }),
      )
      .map(mutation('actions', 'actions missing, empty or not a list of objects')),
    fc
      .oneof(fc.constant(DELETE), fc.constant(''), nonString)
      .map(mutation('actions.0.action_id', 'action_id missing, empty or not a string')),
    unknownAction.map(mutation('actions.0.action_id', 'an unknown action_id')),
    fc
      .oneof(fc.constant(DELETE), badValue)
      .map(mutation('actions.0.value', 'a button value that is not a grant reference')),
    nonString.map(mutation('actions.0.value', 'a button value that is not a string')),
    nonString.map(mutation('actions.0.block_id', 'a block_id that is not a string')),
  );
}

/** Breaking mutations of a view_submission payload. */
function submissionMutations(
  world: HostileWorld,
  callbackId: string,
  p: Pieces,
  blockIds: string[],
): fc.Arbitrary<Mutation> {
  const unknownCallback = fc
    .oneof(fc.constantFrom(...KNOWN_CALLBACKS.flatMap(nearMisses), 'something_else', ''), hostileText)
    .filter((c) => !KNOWN_CALLBACKS.includes(c));
  const metadata = requestMetadata(world, p.person);
  const [encoded = '', mac = ''] = metadata.split('.');
  const flip = (text: string, i: number) => {
    const at = i % Math.max(1, text.length - 1);
    const c = text[at] === 'A' ? 'B' : 'A';
    return `${text.slice(0, at)}${c}${text.slice(at + 1)}`;
  };
  const badRequestMetadata: fc.Arbitrary<string> = fc
    .oneof(
      fc.nat().map((i) => `${flip(encoded, i)}.${mac}`),
      fc.nat().map((i) => `${encoded}.${flip(mac, i)}`),
      fc.constant(`${encoded}.${mac}.extra`),
      fc.constant(encoded),
      fc.constant(Buffer.from(JSON.stringify({ slackUserId: p.person.slackUserId })).toString('base64url')),
      fc.constant(JSON.stringify({ slackUserId: p.person.slackUserId, jumpcloudUserId: p.person.jumpcloudUserId })),
      hostileText.map((key) => signMetadata(`${world.signingSecret}${key}x`, { slackUserId: p.person.slackUserId })),
      // Correctly signed, but for someone else, or without the requester's JumpCloud identity.
      fc.constant(requestMetadata(world, p.other)),
      fc.constant(signMetadata(world.signingSecret, { slackUserId: p.person.slackUserId })),
      fc.constant(signMetadata(world.signingSecret, 'not an object')),
      hostileText,
    )
    .filter((m) => {
      const data = verifyMetadata(world.signingSecret, m) as
        { slackUserId?: unknown; jumpcloudUserId?: unknown } | undefined;
      return !(data?.slackUserId === p.person.slackUserId && typeof data.jumpcloudUserId === 'string');
    });
  const badGrantMetadata = fc
    .oneof(fc.constantFrom(...nearMisses(grantRef(p)), `${grantRef(p)}/x`, ''), hostileText)
    .filter((m) => parseGrantRef(m) === undefined);
  const block = fc.constantFrom(...blockIds);
  return fc.oneof(
    fc.oneof(fc.constant(DELETE), nonObject).map(mutation('user', 'user missing or not an object')),
    fc
      .oneof(
        fc.constant(DELETE),
        nonString,
        hostileText.filter((s) => !SLACK_USER_ID.test(s)),
      )
      .map(mutation('user.id', 'user.id missing, not a string or not a Slack user ID')),
    fc.oneof(fc.constant(DELETE), nonObject).map(mutation('view', 'view missing or not an object')),
    fc
      .oneof(fc.constant(DELETE), fc.constant(''), nonString)
      .map(mutation('view.id', 'view.id missing, empty or not a string')),
    fc.oneof(fc.constant(DELETE), nonString).map(mutation('view.callback_id', 'callback_id missing or not a string')),
    unknownCallback.map(mutation('view.callback_id', 'an unknown callback_id')),
    nonString.map(mutation('view.private_metadata', 'private_metadata not a string')),
    (callbackId === CallbackIds.request ? badRequestMetadata : badGrantMetadata).map(
      mutation('view.private_metadata', 'private_metadata forged, altered or for someone else'),
    ),
    fc.oneof(fc.constant(DELETE), nonObject).map(mutation('view.state', 'view.state missing or not an object')),
    fc
      .oneof(
        fc.constant(DELETE),
        nonObject.filter((v) => !(v instanceof RawJson)),
        fc.array(hostileText, { maxLength: 2 }),
      )
      .map(mutation('view.state.values', 'view.state.values missing or not a record')),
    fc
      .tuple(block, nonObject)
      .map(([b, v]) => mutation(`view.state.values.${b}`, 'a block of values that is not a record')(v)),
    fc.tuple(block, fc.oneof(nonString, fc.constant(DELETE))).map(([b, v]) => ({
      how: 'an input without a string type',
      path: `view.state.values.${b}.*.type`,
      value: v,
    })),
    fc
      .tuple(
        block,
        fc.oneof(fc.integer(), fc.boolean(), fc.dictionary(hostileText, hostileText, { minKeys: 1, maxKeys: 2 })),
      )
      .map(([b, v]) => ({
        how: 'an input whose value is not a string',
        path: `view.state.values.${b}.*.value`,
        value: v,
      })),
    fc.tuple(block, fc.oneof(hostileText, fc.integer(), fc.constant({ value: 42 }))).map(([b, v]) => ({
      how: 'a selected_option that is not an option',
      path: `view.state.values.${b}.*.selected_option`,
      value: v,
    })),
    fc
      .tuple(block, fc.oneof(hostileText, fc.integer(), fc.constant([42]), fc.constant([{ value: null }])))
      .map(([b, v]) => ({
        how: 'selected_options that are not options',
        path: `view.state.values.${b}.*.selected_options`,
        value: v,
      })),
  );
}

function applyMutation(payload: Payload, m: Mutation): void {
  if (m.path.includes('.*.')) {
    // Every action in the block: the block's only input.
    const [blockPath = '', leaf = ''] = m.path.split('.*.');
    const keys = blockPath.split('.');
    let node: unknown = payload;
    for (const key of keys) node = (node as Record<string, unknown>)[key];
    for (const input of Object.values(node as Record<string, Payload>)) setPath(input, leaf, m.value);
    return;
  }
  setPath(payload, m.path, m.value);
}

/** Unknown fields, allowed by the schemas (Slack adds fields over time): hostile, but unable to repair a defect. */
type Noise = Array<{ where: 'top' | 'user' | 'action'; name: string; value: unknown }>;

function payloadNoise(): fc.Arbitrary<Noise> {
  const reserved = [
    'type',
    'user',
    'trigger_id',
    'response_url',
    'actions',
    'view',
    'id',
    'action_id',
    'value',
    'block_id',
  ];
  return fc.array(
    fc.record({
      where: fc.constantFrom('top' as const, 'user' as const, 'action' as const),
      name: noiseName(reserved),
      value: anyJsonValue,
    }),
    { maxLength: 3 },
  );
}

function addNoise(payload: Payload, noise: Noise): void {
  for (const { where, name, value } of noise) {
    const target =
      where === 'top' ? payload : where === 'user' ? payload.user : (payload.actions as unknown[] | undefined)?.[0];
    if (target !== null && typeof target === 'object' && !Array.isArray(target) && !(name in target)) {
      Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
    }
  }
}

/** Correctly signed interactions with one breaking defect: not JSON, wrong shape, unknown IDs, not a grant reference. */
function interactionDefects(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  const presets = world.durationPresetsSeconds.map(String);
  const refused400: Expectation = { kind: 'refused', status: 400 };
  const signed = (family: string, fields: Fields) =>
    validSigning.map((signing) => {
      const { body, malformed } = formBody(fields);
      return finish(world, { family, path: '/slack/interactions', body, malformed, signing, accepted: refused400 });
    });

  const clicks = fc
    .tuple(pieces(world), fc.constantFrom(...KNOWN_ACTIONS))
    .chain(([p, actionId]) => {
      const value = (EXTENSION_ACTIONS as readonly string[]).includes(actionId)
        ? `${grantRef(p)}:${p.extensionId}`
        : grantRef(p);
      return fc.tuple(
        fc.constant(clickPayload(world, p, actionId, value)),
        clickMutations(actionId, value),
        payloadNoise(),
      );
    })
    .chain(([payload, m, noise]) => {
      applyMutation(payload, m);
      addNoise(payload, noise);
      return signed(`signed block_actions with ${m.how}`, interactionFields(payload));
    });

  const submissions = fc
    .tuple(
      pieces(world),
      fc.constantFrom(...KNOWN_CALLBACKS),
      fc.constantFrom(...world.groupIds),
      fc.constantFrom(...presets),
    )
    .chain(([p, callbackId, groupId, duration]) => {
      const values: Payload =
        callbackId === CallbackIds.request
          ? requestFormValues(groupId, duration, 'Investigating incident INC-4242', false)
          : callbackId === CallbackIds.rejectReason
            ? { [RejectReasonInput.blockId]: { [RejectReasonInput.actionId]: textInput('no') } }
            : {
                [ExtendFormInputs.duration.blockId]: { [ExtendFormInputs.duration.actionId]: select(duration) },
                [ExtendFormInputs.reason.blockId]: {
                  [ExtendFormInputs.reason.actionId]: textInput('incident still open'),
                },
              };
      const metadata = callbackId === CallbackIds.request ? requestMetadata(world, p.person) : grantRef(p);
      const payload = submissionPayload(p, callbackId, metadata, values);
      return fc.tuple(
        fc.constant(payload),
        submissionMutations(world, callbackId, p, Object.keys(values)),
        payloadNoise(),
      );
    })
    .chain(([payload, m, noise]) => {
      applyMutation(payload, m);
      addNoise(payload, noise);
      return signed(`signed view_submission with ${m.how}`, interactionFields(payload));
    });

  const notJson = fc
    .tuple(
      onceValidBody(world).filter((d) => d.path === '/slack/interactions'),
      fc.nat(),
      fc.constantFrom('truncated', 'trailing garbage', 'single quotes', 'unclosed deep', 'hostile text'),
      hostileText,
    )
    .map(([draft, cut, how, text]) => {
      const json = draft.fields[0]?.[1] ?? '{}';
      const broken =
        how === 'truncated'
          ? json.slice(0, cut % json.length)
          : how === 'trailing garbage'
            ? `${json}}`
            : how === 'single quotes'
              ? json.replace(/"/g, "'")
              : how === 'unclosed deep'
                ? '['.repeat(1 + (cut % 20_000))
                : text;
      return { how, broken };
    })
    // Filtered before the signing is chained on: a filter after it could never change `broken` and would loop.
    .filter(({ broken }) => {
      try {
        JSON.parse(broken);
        return false;
      } catch {
        return true;
      }
    })
    .chain(({ how, broken }) => signed(`signed interaction whose payload is not JSON (${how})`, [['payload', broken]]));

  const notAnObjectOrUnknownType = fc
    .oneof(
      nonObject,
      fc.constant({}),
      fc.record({ type: nonString }),
      fc
        .oneof(
          fc.constantFrom(
            'shortcut',
            'message_action',
            'view_closed',
            'block_suggestion',
            'BLOCK_ACTIONS',
            'block_actions ',
            '',
          ),
          hostileText,
        )
        .filter((t) => t !== 'block_actions' && t !== 'view_submission')
        .map((type) => ({ type, user: { id: 'U0APPROVER1' }, actions: [{ action_id: ActionIds.approve }] })),
    )
    .chain((payload) => signed('signed interaction with no or an unknown type', interactionFields(payload)));

  const formDefects = fc
    .tuple(
      onceValidBody(world).filter((d) => d.path === '/slack/interactions'),
      fc.constantFrom('no payload', 'payload twice'),
      noiseName(['payload']),
      hostileText,
    )
    .chain(([draft, how, name, value]) =>
      signed(
        `signed interaction with ${how}`,
        how === 'no payload' ? [[name, value]] : [...draft.fields, ...draft.fields],
      ),
    );

  return fc.oneof(
    { weight: 10, arbitrary: clicks },
    { weight: 10, arbitrary: submissions },
    { weight: 2, arbitrary: notJson },
    { weight: 2, arbitrary: notAnObjectOrUnknownType },
    { weight: 1, arbitrary: formDefects },
  );
}

/** Correctly signed, well-formed modal submissions with at least one value the form refuses inline. */
function inlineErrors(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  const presets = world.durationPresetsSeconds;
  const badDuration = fc
    .oneof(
      fc.constantFrom('0', '-3', '1e400', 'NaN', 'Infinity', '', ' ', '15m', '3600s', '٣'),
      hostileText,
      fc.integer().map(String),
    )
    .filter((v) => !presets.includes(Number(v)));
  const shortText = fc.string({ unit: hostileUnit, maxLength: 9 }).filter((s) => s.length <= 9);
  const longText = fc
    .tuple(fc.integer({ min: 501, max: 5000 }), hostileText)
    .map(([n, tail]) => `${'x'.repeat(n)}${tail}`);
  const fineText = fc.constantFrom('Investigating incident INC-4242', 'x'.repeat(500));
  const notAGroup = fc.oneof(hexId, hostileText).filter((g) => !world.groupIds.includes(g));
  const plainGroup = world.groupIds[1];
  type Form = { how: string; values: Payload };

  const requestForms: fc.Arbitrary<Form> = fc
    .record({
      defect: fc.constantFrom('group', 'duration', 'short', 'long', 'break-glass'),
      group: fc.oneof(fc.constantFrom(...world.groupIds), notAGroup),
      badGroup: fc.option(notAGroup),
      duration: fc.oneof(fc.constantFrom(...presets.map(String)), badDuration),
      badDuration,
      justification: fc.oneof(fineText, shortText, longText),
      short: shortText,
      long: longText,
      breakGlass: fc.boolean(),
    })
    .map((r) => {
      // One value is certainly refused; the others are whatever was drawn, valid or not.
      const groupId =
        r.defect === 'group' ? (r.badGroup ?? undefined) : r.defect === 'break-glass' ? plainGroup : r.group;
      const duration = r.defect === 'duration' ? r.badDuration : r.duration;
      const justification = r.defect === 'short' ? r.short : r.defect === 'long' ? r.long : r.justification;
      const breakGlass = r.defect === 'break-glass' || r.breakGlass;
      return {
        how: `request form with ${r.defect === 'group' ? 'no group or one outside the policy' : r.defect}`,
        values: requestFormValues(groupId, duration, justification, breakGlass),
      };
    });

  const rejectForms: fc.Arbitrary<Form> = longText.map((reason) => ({
    how: 'rejection reason over 500 characters',
    values: { [RejectReasonInput.blockId]: { [RejectReasonInput.actionId]: textInput(reason) } },
  }));

  const extendForms: fc.Arbitrary<Form> = fc
    .record({
      bad: fc.constantFrom('duration', 'short', 'long'),
      duration: badDuration,
      short: shortText,
      long: longText,
      preset: fc.constantFrom(...presets.map(String)),
    })
    .map((r) => ({
      how: `extension form with ${r.bad === 'duration' ? 'a duration that is not offered' : `a ${r.bad} reason`}`,
      values: {
        [ExtendFormInputs.duration.blockId]: {
          [ExtendFormInputs.duration.actionId]: select(r.bad === 'duration' ? r.duration : r.preset),
        },
        [ExtendFormInputs.reason.blockId]: {
          [ExtendFormInputs.reason.actionId]: textInput(
            r.bad === 'short' ? r.short : r.bad === 'long' ? r.long : 'incident still open',
          ),
        },
      },
    }));

  return fc
    .tuple(
      pieces(world),
      fc.constantFrom(CallbackIds.request, CallbackIds.rejectReason, CallbackIds.extend),
      nonExistentRef(world),
    )
    .chain(([p, callbackId, missing]) => {
      const form =
        callbackId === CallbackIds.request
          ? requestForms
          : callbackId === CallbackIds.rejectReason
            ? rejectForms
            : extendForms;
      return fc.tuple(
        fc.constant(p),
        fc.constant(callbackId),
        form,
        fc.boolean(),
        fc.constant(missing.ref),
        payloadNoise(),
      );
    })
    .chain(([p, callbackId, form, realGrant, missingRef, noise]) => {
      const metadata =
        callbackId === CallbackIds.request ? requestMetadata(world, p.person) : realGrant ? grantRef(p) : missingRef;
      const payload = submissionPayload(p, callbackId, metadata, form.values);
      addNoise(payload, noise);
      const { body, malformed } = formBody(interactionFields(payload));
      return validSigning.map((signing) =>
        finish(world, {
          family: `signed ${form.how}`,
          path: '/slack/interactions',
          body,
          malformed,
          signing,
          accepted: { kind: 'inline-errors' },
        }),
      );
    });
}

/** A well-formed grant reference to no run that exists: an unknown workflow ID, or a real one with a made-up run. */
function nonExistentRef(world: HostileWorld): fc.Arbitrary<{ ref: string; how: string }> {
  const freshHex = hexId.filter((id) => !world.knownHexIds.has(id));
  return fc.oneof(
    fc
      .tuple(freshHex, fc.oneof(freshHex, fc.constantFrom(...world.groupIds)), fc.option(fc.uuid()))
      .map(([user, group, runId]) => ({
        ref: `jit-grant-${user}-${group}${runId === null ? '' : `/${runId}`}`,
        how: 'a workflow that does not exist',
      })),
    fc
      .tuple(fc.constantFrom(...world.grants), fc.uuid())
      .filter(([grant, runId]) => grant.runId !== runId)
      .map(([grant, runId]) => ({ ref: `${grant.workflowId}/${runId}`, how: "a made-up run of another user's grant" })),
  );
}

/** Correctly signed clicks that reach Temporal and address nothing that exists: the clicker is told, nothing changes. */
function clicksOnNothing(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  const actions = [ActionIds.approve, ActionIds.revoke, ActionIds.acknowledgeBreakGlass, ...EXTENSION_ACTIONS];
  return fc
    .tuple(pieces(world), fc.constantFrom(...actions), nonExistentRef(world), payloadNoise())
    .chain(([p, actionId, target, noise]) => {
      const value = (EXTENSION_ACTIONS as readonly string[]).includes(actionId)
        ? `${target.ref}:${p.extensionId}`
        : target.ref;
      const payload = clickPayload(world, p, actionId, value);
      addNoise(payload, noise);
      const { body, malformed } = formBody(interactionFields(payload));
      return validSigning.map((signing) =>
        finish(world, {
          family: `signed ${actionId} on ${target.how}`,
          path: '/slack/interactions',
          body,
          malformed,
          signing,
          accepted: { kind: 'told', responseUrl: responseUrl(world, p.responseToken) },
        }),
      );
    });
}

/** Unsigned (or badly signed) bodies that carry, or pretend to carry, Slack's `ssl_check=1` certificate probe. */
function sslCheckImitations(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  return fc
    .tuple(
      fc.constantFrom('', '?', '&', '&&', '?&', '=&', '%3F', '+'),
      fc.constantFrom(
        'ssl_check=1',
        'ssl%5Fcheck=1',
        'ssl_check=%31',
        'ssl_check=1&ssl_check=1',
        'ssl_check=1&ssl_check=0',
        'SSL_CHECK=1',
        'ssl_check=true',
        'ssl_check=+1',
        'ssl_check=1%00',
        'ssl_check',
      ),
      fc.option(fc.tuple(pieces(world), fc.constantFrom(...SUBCOMMANDS))),
      fc.boolean(),
      fc.constantFrom('/slack/commands', '/slack/commands', '/slack/interactions'),
    )
    .chain(([prefix, probe, command, probeLast, path]) => {
      const rest = command
        ? formBody(commandFields(world, command[0], command[1])).body
        : 'token=deprecated-verification-token';
      const body = probeLast ? `${prefix}${rest}&${probe}` : `${prefix}${probe}&${rest}`;
      return fc
        .oneof(fc.constant<Signing>({ kind: 'invalid', how: 'unsigned', headers: {} }), invalidSigning(world, body))
        .map((signing) =>
          finish(world, {
            family: `ssl_check imitation ${JSON.stringify(`${prefix}${probe}`)}${command ? ` with /jit ${command[1]}` : ''}`,
            path,
            body,
            signing,
            accepted: { kind: 'ssl-check' },
          }),
        );
    });
}

/** Every other route and method: health, readiness and metrics with junk, unknown paths, wrong methods. */
function otherRoutes(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  const junkQuery = fc.oneof(
    fc.constant(''),
    fc
      .string({ unit: fc.constantFrom(...'abc=&%2F?#;+', '%00', '%E0%A4%A', '%ZZ', '..'), maxLength: 30 })
      .map((q) => `?${q}`),
  );
  const probes = fc
    .tuple(
      fc.constantFrom('/healthz', '/healthz', '/metrics', '/readyz'),
      fc.constantFrom('GET' as const, 'HEAD' as const),
      junkQuery,
    )
    .map(([path, method, query]) =>
      request({
        family: `${method} ${path}`,
        method,
        url: `${path}${query}`,
        headers: { accept: '*/*' },
        expect: { kind: 'probe' },
      }),
    );
  const wrongMethods = fc
    .tuple(
      fc.constantFrom('/slack/commands', '/slack/interactions', '/healthz', '/readyz', '/metrics'),
      fc.constantFrom(
        'GET' as const,
        'PUT' as const,
        'DELETE' as const,
        'PATCH' as const,
        'OPTIONS' as const,
        'POST' as const,
      ),
      onceValidBody(world),
    )
    .filter(
      ([path, method]) =>
        !(method === 'POST' && path.startsWith('/slack/')) && !(method === 'GET' && !path.startsWith('/slack/')),
    )
    .map(([path, method, draft]) => {
      const body = method === 'GET' || method === 'OPTIONS' ? undefined : formBody(draft.fields).body;
      return request({
        family: `${method} ${path}`,
        method,
        url: path,
        headers: body === undefined ? {} : { 'content-type': FORM },
        body,
        expect: { kind: 'refused-any' },
      });
    });
  const segment = fc.oneof(
    fc.constantFrom(
      'slack',
      'commands',
      'interactions',
      'healthz',
      '..',
      '.',
      '%2e%2e',
      '%2F',
      '%00',
      '%E0%A4%A',
      '%ZZ',
      'SLACK',
      'commands;x',
      '~',
      '%C0%AF',
    ),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.~'), minLength: 1, maxLength: 12 }),
    fc.integer({ min: 1000, max: 20_000 }).map((n) => 'a'.repeat(n)),
  );
  const unknownPaths = fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(([segments, doubleSlash]) => `${doubleSlash ? '//' : '/'}${segments.join('/')}`)
    // As sent: the client resolves dot segments (`/%2e%2e/healthz` is `/healthz`), so a path that resolves to a route
    // is no unknown path.
    .filter((path) => {
      const sent = new URL(`http://gateway${path}`).pathname;
      return !['/slack/commands', '/slack/interactions', '/healthz', '/readyz', '/metrics'].includes(sent);
    })
    .chain((path) =>
      onceValidBody(world).chain((draft) => {
        const body = formBody(draft.fields).body;
        return fc.oneof(
          fc.constant(
            request({
              family: 'GET an unknown path',
              method: 'GET',
              url: path,
              headers: {},
              expect: { kind: 'refused-any' },
            }),
          ),
          // Posted with a bad signature: whatever the router made of the path, nothing may act on it.
          invalidSigning(world, body).map((signing) => {
            const r = finish(world, {
              family: 'POST an unknown path',
              path,
              body,
              signing,
              accepted: { kind: 'refused-any' },
            });
            return request({ ...r, expect: { kind: 'refused-any' } });
          }),
        );
      }),
    );
  return fc.oneof(
    { weight: 3, arbitrary: probes },
    { weight: 2, arbitrary: wrongMethods },
    { weight: 3, arbitrary: unknownPaths },
  );
}

/** Every hostile request the fuzzer sends; weights favour the payload families, where the parsing is. */
export function hostileRequests(world: HostileWorld): fc.Arbitrary<HostileRequest> {
  return fc.oneof(
    { weight: 14, arbitrary: badSignatures(world) },
    { weight: 5, arbitrary: wrongContentTypes(world) },
    { weight: 1, arbitrary: oversized(world) },
    { weight: 8, arbitrary: malformedForms(world) },
    { weight: 12, arbitrary: commandDefects(world) },
    { weight: 28, arbitrary: interactionDefects(world) },
    { weight: 8, arbitrary: inlineErrors(world) },
    { weight: 3, arbitrary: clicksOnNothing(world) },
    { weight: 6, arbitrary: sslCheckImitations(world) },
    { weight: 6, arbitrary: otherRoutes(world) },
  );
}
