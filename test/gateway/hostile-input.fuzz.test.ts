/**
 * Hostile input at volume: a property-based fuzzer sends 10,000 generated requests to the real gateway (`buildApp`,
 * through `app.inject`), wired to the real GrantService on the shared Temporal dev server and to the Slack and
 * JumpCloud stand-ins. The generators (./hostile-requests.ts) explain why none of the requests can be valid by accident:
 * each carries a defect the gateway's contract refuses, or addresses a workflow run that does not exist.
 *
 * The gateway's GrantService uses a task queue of its own on which NO worker polls: a workflow it started would just sit
 * there, and an Update it sent could never be accepted (the call would hang and the background work never drain). Three
 * real grant workflows of other people are started on that queue beforehand, so that the forged clicks, replays and
 * made-up run IDs have something real to aim at.
 *
 * Every request is checked on its own (so fast-check can shrink a failure to one request): never a 5xx; the answer its
 * generator expects (the 4xx of the first defect, or a 200 that shows the user an error: inline form errors, the usage
 * text, a "no longer exists" sent to the click's response_url); no background work scheduled, no call on the
 * GrantService, the Slack Web API or JumpCloud, except that the clicks on runs that do not exist read who clicked and
 * then make at most one Update call, addressed to no real run (none when the gateway refuses the clicker first). After the 10,000: the task queue still lists only the three targets, no grant
 * workflow exists for any person of the test and group but those, the targets have the same run, status and history
 * event for event, the JumpCloud groups have the same members, /healthz and /readyz answer 200, a correctly signed
 * /jit opens the request form at the Slack stand-in, and the heap did not grow over the second half (see the bound).
 *
 * Seed and replay: every run prints `seed N`; `FUZZ_SEED=N` replays the same sequence of requests (the people and
 * workflow IDs are fresh per run, the roles the requests pick among them are the same), e.g.
 *   FUZZ_SEED=N TEMPORAL_CLI_PATH=… npx tsx scripts/run-test-suite.ts test/gateway/hostile-input
 * A failure prints fast-check's shrunk counterexample (the request, its body cut at 600 characters) with its seed and
 * path. The run is split in three fast-check runs (warm-up, first half, second half) with seeds N, N+1 and N+2.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import pino from 'pino';
import { parsePolicy } from '../../config/policy';
import { buildApp } from '../../gateway/app';
import { gatewayLoggerOptions } from '../../gateway/logger';
import { createResponseUrlSender } from '../../gateway/slack/response-url';
import { JumpCloudReadClient } from '../../integrations/jumpcloud/jumpcloud-client';
import { CallbackIds } from '../../integrations/slack/block-kit/ids';
import { createSlackClient } from '../../integrations/slack/slack-client';
import { type GrantService } from '../../integrations/temporal/grant-service';
import { temporalReadiness } from '../../integrations/temporal/readiness';
import { createReconcilerService } from '../../integrations/temporal/reconciler-service';
import { signSlackRequest } from '../../stand-ins/slack/slack-signature';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { eventually } from '../support/eventually';
import {
  APPROVAL_CHANNEL,
  createGrantHarness,
  JUMPCLOUD_READ_ONLY_API_KEY,
  SLACK_BOT_TOKEN,
  SLACK_SIGNING_SECRET,
} from '../support/grant-harness';
import { closeTestTemporal, uniqueName } from '../support/temporal';
import { type HostileRequest, type HostileWorld, hostileRequests } from './hostile-requests';

after(() => closeTestTemporal());

const WARM_UP_RUNS = 1_000;
const HALF_RUNS = 4_500;

/**
 * The heap may grow by at most this much over the second half (4,500 requests), measured after forced garbage
 * collections. Without a leak it grows by 0.1 to 0.5 MiB there: the first 5,000 requests or so still settle (code
 * compiled late, Temporal's and undici's connection pools, prom-client's label sets, ~1.8 MiB in all), then it is flat.
 * Retention per request fails it: keeping 1 KiB per request measured +4.8 MiB, keeping each request's inject response
 * (Fastify's request, reply and body) +87 MiB.
 */
const HEAP_GROWTH_BOUND_BYTES = 3 * 1024 * 1024;

/** `gc` without --expose-gc on the command line (the suite runner does not pass it): the flag set at runtime. */
function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface GrantCall {
  method: string;
  args: unknown[];
}

/** The real GrantService, with every call the gateway makes on it recorded first. */
function recorded(grants: GrantService, calls: GrantCall[]): GrantService {
  const wrapped: Record<string, unknown> = {};
  for (const [method, fn] of Object.entries(grants)) {
    wrapped[method] = (...args: unknown[]) => {
      calls.push({ method, args });
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return wrapped as unknown as GrantService;
}

test('10,000 hostile requests get a 4xx or a refusal the user sees, never a 5xx; nothing is started, updated or changed; the gateway stays healthy with flat memory', async (t) => {
  // Registered before the harness's cleanup (after-hooks run in order): the gateway closes while the stand-ins answer.
  const started: { app?: FastifyInstance } = {};
  t.after(() => started.app?.close());
  const h = await createGrantHarness(t, { worker: false });
  const gc = forcedGc();

  const policy = parsePolicy(
    [
      'defaults:',
      '  approvalTimeout: 10m',
      '  durations: [3s, 10m, 1h, 8h]',
      'groups:',
      `  - id: ${h.group.id}`,
      `    name: ${h.group.name}`,
      '    maxDuration: 1h',
      `    approvers: [${h.approver.slackUserId}, ${h.secondApprover.slackUserId}]`,
      '    breakGlass:',
      '      maxDuration: 10m',
      '      alertChannel: C0BREAKGLASS',
      `  - id: ${h.otherGroup.id}`,
      `    name: ${h.otherGroup.name}`,
      '    maxDuration: 8h',
      `    approvers: [${h.approver.slackUserId}]`,
    ].join('\n'),
    'fuzz policy',
  );

  // Real grants of other people, on the gateway's task queue, with no worker: they exist and wait.
  const owners = [
    { person: h.requester, group: h.group },
    { person: h.outsider, group: h.otherGroup },
    { person: h.approver, group: h.otherGroup },
  ];
  const grants: Array<{ workflowId: string; runId: string }> = [];
  for (const { person, group } of owners) {
    const input = h.grantInput({
      requestId: uniqueName('fuzz-target'),
      requester: { slackUserId: person.slackUserId, email: person.email, jumpcloudUserId: person.jumpcloudUserId },
      group,
    });
    const result = await h.grants.start(input);
    assert.equal(result.outcome, 'started');
    const description = await h.client.workflow.getHandle(result.workflowId).describe();
    grants.push({ workflowId: result.workflowId, runId: description.runId });
  }
  const realIds = grants.map((g) => g.workflowId).sort();
  const onQueue = async () => {
    const ids: string[] = [];
    for await (const wf of h.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}'` })) ids.push(wf.workflowId);
    return ids.sort();
  };
  // Visibility lags behind starts; waiting until it lists the three proves the final count is not vacuous.
  await eventually('the three target grants in visibility', async () =>
    JSON.stringify(await onQueue()) === JSON.stringify(realIds) ? true : undefined,
  );
  const histories = async () =>
    Promise.all(
      grants.map(async ({ workflowId, runId }) => {
        const handle = h.client.workflow.getHandle(workflowId, runId);
        const description = await handle.describe();
        const history = await handle.fetchHistory();
        return {
          workflowId,
          runId: description.runId,
          status: description.status.name,
          historyLength: description.historyLength,
          events: (history.events ?? []).map((e) => `${String(e.eventId)}:${String(e.eventType)}`),
        };
      }),
    );
  const historiesBefore = await histories();
  const people = [h.requester, h.approver, h.secondApprover, h.outsider];
  const groupIds = [h.group.id, h.otherGroup.id] as const;
  const membersBefore = groupIds.map((id) => h.jumpcloud.members(id).sort());

  // The gateway as main.ts builds it, logging at info into nothing (so hostile input goes through the log
  // serializers and redaction too), on a frozen clock so that signature windows are exact and replays repeat.
  const frozenNowMs = Date.now();
  const grantCalls: GrantCall[] = [];
  const app = await buildApp({
    config: {
      SLACK_SIGNING_SECRET,
      SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
      SLACK_COMMAND: '/jit',
      SLACK_RESPONSE_URL_PREFIX: h.slack.responseUrlPrefix,
    },
    policy,
    grants: recorded(h.grants, grantCalls),
    reconciler: createReconcilerService(h.client, h.taskQueue),
    directory: new JumpCloudReadClient({
      baseUrl: h.jumpcloud.baseUrl,
      apiKey: JUMPCLOUD_READ_ONLY_API_KEY,
      timeoutMs: 2000,
    }),
    slack: createSlackClient({ token: SLACK_BOT_TOKEN, apiUrl: h.slack.apiUrl, timeoutMs: 2000 }),
    respond: createResponseUrlSender({ timeoutMs: 2000 }),
    temporalReady: temporalReadiness(h.client.connection),
    logger: pino(gatewayLoggerOptions('info'), new Writable({ write: (_chunk, _encoding, done) => done() })),
    now: () => frozenNowMs,
    shutdownGraceMs: 5000,
  });
  started.app = app;

  const world: HostileWorld = {
    signingSecret: SLACK_SIGNING_SECRET,
    nowSeconds: Math.floor(frozenNowMs / 1000),
    standInUrl: h.slack.baseUrl,
    command: '/jit',
    people,
    groupIds,
    durationPresetsSeconds: policy.durationPresetsSeconds,
    grants,
    knownHexIds: new Set([...people.map((p) => p.jumpcloudUserId), ...groupIds]),
  };

  const isRealRun = (workflowId: unknown, runId: unknown) =>
    grants.some((g) => g.workflowId === workflowId && (runId === undefined || runId === g.runId));
  const outcomes = new Map<string, number>();
  let sent = 0;

  async function sendAndCheck(req: HostileRequest): Promise<void> {
    // Clean slate, also while fast-check shrinks a failure (the failed run stopped before its cleanup).
    if (app.backgroundTasks.size > 0) {
      assert.equal(await app.backgroundTasks.drain(10_000), true, 'earlier background work finished');
    }
    grantCalls.length = 0;
    h.slack.responseUrlPosts.length = 0;
    h.slack.calls.length = 0;
    h.jumpcloud.calls.length = 0;
    const response = await app.inject({ method: req.method, url: req.url, headers: req.headers, payload: req.body });
    sent += 1;
    const status = response.statusCode;
    const outcome = `${status} ${req.expect.kind}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    const said = response.body.slice(0, 300);
    assert.ok(status < 500, `the gateway answered ${status}: ${said}`);
    const json = (): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

    switch (req.expect.kind) {
      case 'refused':
        assert.equal(status, req.expect.status, said);
        assert.ok(typeof json().message === 'string' && (json().message as string).length > 0, 'names the problem');
        break;
      case 'refused-any':
        assert.ok(status >= 400 && status < 500, `expected a 4xx, got ${status}: ${said}`);
        break;
      case 'inline-errors': {
        assert.equal(status, 200, said);
        const body = json();
        assert.equal(body.response_action, 'errors', said);
        assert.ok(Object.keys(body.errors as object).length > 0, said);
        break;
      }
      case 'help': {
        assert.equal(status, 200, said);
        const body = json();
        assert.equal(body.response_type, 'ephemeral', said);
        assert.match(String(body.text), /^I don't know/, said);
        break;
      }
      case 'told':
        assert.equal(status, 200, said);
        assert.equal(response.body, '', 'the click is acknowledged with an empty 200');
        break;
      case 'ssl-check':
        assert.ok((status === 200 && response.body === '') || status === 400 || status === 401, `${status}: ${said}`);
        break;
      case 'probe':
        assert.equal(status, 200, said);
        break;
    }

    if (req.expect.kind === 'told') {
      assert.equal(await app.backgroundTasks.drain(10_000), true, 'the refused Update finished');
      const updates = grantCalls.filter((c) => c.method !== 'state' && c.method !== 'isRunning');
      assert.ok(updates.length <= 1, `at most one Update, got ${JSON.stringify(grantCalls.map((c) => c.method))}`);
      for (const call of grantCalls) {
        assert.ok(
          ['decide', 'revoke', 'acknowledgeBreakGlass', 'decideExtension'].includes(call.method),
          `an Update, not ${call.method}`,
        );
        assert.ok(!isRealRun(call.args[0], call.args[3]), `an Update reached a real run: ${JSON.stringify(call.args)}`);
      }
      const posts = h.slack.responseUrlPosts;
      assert.equal(posts.length, 1, 'the clicker is told once');
      assert.equal(`${h.slack.baseUrl}/response/${posts[0]?.id ?? ''}`, req.expect.responseUrl);
      // The Update's refusal, or the gateway's own refusal of the clicker before any Update (gateway/people/).
      assert.match(
        String(posts[0]?.body.text),
        updates.length === 1
          ? /^:no_entry: this request no longer exists/
          : /^:no_entry: (you are not an approver for|this group is no longer in the access policy|The requester's JumpCloud account no longer exists)/,
      );
      // Who the clicker is may be read, nothing else.
      assert.deepEqual(
        h.slack.calls.filter((c) => !['users.info', 'auth.test'].includes(c.method)),
        [],
        'no Slack Web API call but reading the clicker',
      );
      assert.deepEqual(
        h.jumpcloud.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`),
        [],
        'no JumpCloud call but reads',
      );
    } else {
      assert.equal(app.backgroundTasks.size, 0, 'no work was scheduled');
      assert.deepEqual(grantCalls, [], 'no call to Temporal');
      assert.deepEqual(h.slack.responseUrlPosts, [], 'no response_url post');
      assert.deepEqual(
        h.slack.calls.map((c) => c.method),
        [],
        'no Slack Web API call',
      );
      assert.deepEqual(
        h.jumpcloud.calls.map((c) => `${c.method} ${c.path}`),
        [],
        'no JumpCloud call',
      );
    }
  }

  const seed =
    process.env.FUZZ_SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.FUZZ_SEED);
  assert.ok(Number.isInteger(seed), `FUZZ_SEED must be an integer, got ${process.env.FUZZ_SEED}`);
  console.log(`hostile-input fuzz: seed ${seed} (replay with FUZZ_SEED=${seed})`);
  const property = fc.asyncProperty(hostileRequests(world), sendAndCheck);
  const run = async (phase: string, offset: number, numRuns: number) => {
    try {
      await fc.assert(property, { seed: (seed + offset) | 0, numRuns, includeErrorInReport: true });
    } catch (err) {
      const report = err instanceof Error ? err.message : String(err);
      throw new Error(`hostile-input fuzz failed in the ${phase} (FUZZ_SEED=${seed} replays it)\n${report}`);
    }
  };
  const heap = async () => {
    for (let i = 0; i < 3; i += 1) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed;
  };

  await run('warm-up', 0, WARM_UP_RUNS);
  const heapAfterWarmUp = await heap();
  await run('first half', 1, HALF_RUNS);
  const heapAfterFirstHalf = await heap();
  await run('second half', 2, HALF_RUNS);
  const heapAfterSecondHalf = await heap();

  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  console.log(
    `hostile-input fuzz: ${sent} requests, seed ${seed}; answers: ${[...outcomes]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ')}`,
  );
  console.log(
    `hostile-input fuzz: heap after warm-up ${mib(heapAfterWarmUp)}, first half ${mib(heapAfterFirstHalf)}, second half ${mib(heapAfterSecondHalf)}`,
  );
  assert.ok(sent >= WARM_UP_RUNS + 2 * HALF_RUNS, `at least 10,000 requests, sent ${sent}`);

  // Nothing started or updated: the queue holds the three targets only, each exactly as it was.
  assert.equal(await app.backgroundTasks.drain(10_000), true);
  assert.deepEqual(await onQueue(), realIds, 'no workflow on the gateway task queue but the three targets');
  for (const person of people) {
    for (const groupId of groupIds) {
      const workflowId = grantWorkflowId(person.jumpcloudUserId, groupId);
      if (realIds.includes(workflowId)) continue;
      await assert.rejects(h.client.workflow.getHandle(workflowId).describe(), /not found/i, `${workflowId} exists`);
    }
  }
  assert.deepEqual(await histories(), historiesBefore, 'the target grants are unchanged: same run, status, history');

  // Nothing changed in JumpCloud.
  assert.deepEqual(
    groupIds.map((id) => h.jumpcloud.members(id).sort()),
    membersBefore,
  );

  // Healthy afterwards: liveness, readiness, and a real /jit still opens the request form at Slack.
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  const asker = h.secondApprover;
  const body = new URLSearchParams({
    team_id: 'T0SANDBOX',
    channel_id: 'C0GENERAL',
    user_id: asker.slackUserId,
    command: '/jit',
    text: '',
    response_url: h.slack.mintResponseUrl({ channel: 'C0GENERAL', userId: asker.slackUserId }),
    trigger_id: h.slack.mintTriggerId(asker.slackUserId),
  }).toString();
  const ts = Math.floor(frozenNowMs / 1000);
  const ack = await app.inject({
    method: 'POST',
    url: '/slack/commands',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(SLACK_SIGNING_SECRET, ts, body),
    },
    payload: body,
  });
  assert.equal(ack.statusCode, 200, ack.body);
  await h.slack.waitFor('the request form after the fuzzing', () =>
    h.slack.views(asker.slackUserId).find((v) => v.view.callback_id === CallbackIds.request),
  );
  assert.deepEqual(
    h.jumpcloud.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`),
    [],
    'JumpCloud was only read (by the final /jit)',
  );

  // Flat memory: a per-request leak would grow the heap over the second half by far more than the bound.
  const growth = heapAfterSecondHalf - heapAfterFirstHalf;
  assert.ok(
    growth < HEAP_GROWTH_BOUND_BYTES,
    `the heap grew by ${mib(growth)} over ${HALF_RUNS} requests (bound ${mib(HEAP_GROWTH_BOUND_BYTES)})`,
  );
});
