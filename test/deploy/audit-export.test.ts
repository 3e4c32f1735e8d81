/**
 * `npm run audit`: a known set of grants on this run's Temporal dev server (expired, rejected, revoked early, active
 * with an extension, pending with a hostile justification, terminated), exported by scripts/audit-export.ts as a child
 * process, and its CSV and JSON read back field by field. Times are only checked for presence, never their value.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type GrantInput, type GrantPolicy } from '../../workflows/grant/grant-types';
import { eventually } from '../support/eventually';
import { createGrantHarness, type GrantHarness, type Person } from '../support/grant-harness';
import { closeTestTemporal, testTemporalAddress } from '../support/temporal';

after(() => closeTestTemporal());

const root = join(__dirname, '..', '..');

const HEADER = [
  'requested_at',
  'requester_slack_id',
  'requester_email',
  'group_id',
  'group_name',
  'justification',
  'duration_seconds',
  'duration',
  'approvers',
  'decided_at',
  'decision_reason',
  'granted_at',
  'expires_at',
  'ended_at',
  'ended_by',
  'end_reason',
  'status',
  'break_glass',
  'extensions_approved',
  'extension_seconds',
  'workflow_id',
  'run_id',
];

/** Everything a spreadsheet might trip over: formula start, comma, quote, newline, non-ASCII. */
const HOSTILE_JUSTIFICATION = '=HYPERLINK("http://evil.example"), said "Zoë – café"\nsecond line';

interface ExportRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function runExport(args: string[]): Promise<ExportRun> {
  // The script's own environment: the worker's variables, pointed at this run's server, no TLS.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/audit-export.ts', ...args], {
      cwd: root,
      env: { ...env, TEMPORAL_ADDRESS: testTemporalAddress(), TEMPORAL_NAMESPACE: 'default' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}

/** RFC 4180, strictly: CRLF after every record, quotes only around a whole field, `""` inside them. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let state: 'start' | 'plain' | 'quoted' | 'closed' = 'start';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (state === 'quoted') {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else state = 'closed';
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
      state = 'start';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      state = 'start';
      i++;
    } else if (c === '"' && state === 'start') {
      state = 'quoted';
    } else if (state === 'closed' || c === '"' || c === '\r' || c === '\n') {
      throw new Error(`not RFC 4180 at offset ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
    } else {
      field += c;
      state = 'plain';
    }
  }
  if (state !== 'start' || row.length > 0) throw new Error('the last record does not end with CRLF');
  return rows;
}

function csvRecords(run: ExportRun): Array<Record<string, string>> {
  assert.equal(run.code, 0, `audit export failed: ${run.stderr}`);
  assert.deepEqual([...run.stdout.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM first');
  const [header, ...rows] = parseCsv(run.stdout.subarray(3).toString('utf8'));
  assert.deepEqual(header, HEADER);
  return rows.map((cells) => {
    assert.equal(cells.length, HEADER.length);
    return Object.fromEntries(HEADER.map((name, i) => [name, cells[i] as string]));
  });
}

function asRequester(person: Person): GrantInput['requester'] {
  return { slackUserId: person.slackUserId, email: person.email, jumpcloudUserId: person.jumpcloudUserId };
}

async function startGrant(
  h: GrantHarness,
  person: Person,
  overrides: Partial<GrantInput>,
  policy: Partial<GrantPolicy> = {},
): Promise<{ workflowId: string; runId: string }> {
  const base = h.grantInput();
  const started = await h.grants.start({
    ...base,
    requester: asRequester(person),
    ...overrides,
    policy: { ...base.policy, approvalTimeoutSeconds: 600, ...policy },
  });
  assert.equal(started.outcome, 'started');
  const { runId } = await h.client.workflow.getHandle(started.workflowId).describe();
  return { workflowId: started.workflowId, runId };
}

const present = (value: string | undefined) => value !== undefined && value !== '' && !Number.isNaN(Date.parse(value));

test('the audit export lists every grant of a group, CSV and JSON, read from Temporal', async (t) => {
  const h = await createGrantHarness(t);
  const { requester, approver, secondApprover, outsider, group } = h;
  // The two-person grant below has the outsider as its third approver: the worker's policy names them too.
  const policy = h.workerPolicy();
  h.useWorkerPolicy({
    ...policy,
    groups: policy.groups.map((g) => ({ ...g, approvers: [...g.approvers, outsider.slackUserId] })),
  });
  const approve = (workflowId: string, who: Person, updateId: string) =>
    h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: who.slackUserId }, updateId);

  // Expired: approved, two seconds of access, removed at expiry.
  const expired = await startGrant(h, requester, { durationSeconds: 2, justification: 'Rotate the DB password' });
  // Rejected, with a reason.
  const rejected = await startGrant(h, outsider, { justification: 'Curious' });
  // Two-person rule, then revoked early by its requester.
  const revoked = await startGrant(
    h,
    approver,
    { durationSeconds: 600, justification: 'Incident INC-7' },
    { approvers: [approver.slackUserId, secondApprover.slackUserId, outsider.slackUserId], requiredApprovals: 2 },
  );
  // Active, with one approved extension.
  const active = await startGrant(h, secondApprover, { durationSeconds: 600, justification: 'Migration window' });
  const open: string[] = [revoked.workflowId, active.workflowId];
  try {
    await h.grants.decide(
      rejected.workflowId,
      { decision: 'reject', deciderSlackUserId: approver.slackUserId, reason: 'Not on call, sorry' },
      'b-reject',
    );
    await approve(revoked.workflowId, secondApprover, 'c-1');
    await approve(revoked.workflowId, outsider, 'c-2');
    await h.waitForStatus(revoked.workflowId, 'ACTIVE');
    await h.grants.revoke(revoked.workflowId, { bySlackUserId: approver.slackUserId, reason: 'Done early' }, 'c-r');
    await approve(active.workflowId, approver, 'd-1');
    await h.waitForStatus(active.workflowId, 'ACTIVE');
    await h.grants.requestExtension(
      active.workflowId,
      { bySlackUserId: secondApprover.slackUserId, extraSeconds: 60, reason: 'Migration runs late' },
      'd-x',
    );
    const extended = await h.grants.decideExtension(
      active.workflowId,
      { extensionId: 1, decision: 'approve', deciderSlackUserId: approver.slackUserId },
      'd-xa',
    );
    assert.equal(extended.extensions[0]?.status, 'APPROVED');
    await approve(expired.workflowId, approver, 'a-1');

    // The same people again once their first grants have closed: pending with a hostile justification, terminated.
    await h.client.workflow.getHandle(rejected.workflowId, rejected.runId).result();
    const pending = await startGrant(h, outsider, { justification: HOSTILE_JUSTIFICATION });
    open.push(pending.workflowId);
    await h.client.workflow.getHandle(expired.workflowId, expired.runId).result();
    const terminated = await startGrant(h, requester, { justification: 'Terminated by an operator' });
    await h.client.workflow.getHandle(terminated.workflowId, terminated.runId).terminate('audit export test');
    await h.client.workflow.getHandle(revoked.workflowId, revoked.runId).result();

    // Visibility lags a little: poll until every grant and every close is listed.
    const runIds = [expired, rejected, revoked, active, pending, terminated].map((g) => g.runId);
    const rows = await eventually(
      'the CSV export to list the six grants with their final statuses',
      async () => {
        const records = csvRecords(await runExport(['--since', '1h', '--group', group.id, '--format', 'csv']));
        const byRun = new Map(records.map((r) => [r.run_id, r]));
        const statuses = runIds.map((id) => byRun.get(id)?.status);
        const expected = ['EXPIRED', 'REJECTED', 'REVOKED', 'ACTIVE', 'PENDING_APPROVAL', 'TERMINATED'];
        return records.length === 6 && statuses.every((s, i) => s === expected[i]) ? byRun : undefined;
      },
      30_000,
    );
    const row = (run: { runId: string }) => rows.get(run.runId) as Record<string, string>;
    const common = (person: Person, run: { workflowId: string; runId: string }) => ({
      requester_slack_id: person.slackUserId,
      requester_email: person.email,
      group_id: group.id,
      break_glass: 'false',
      workflow_id: run.workflowId,
      run_id: run.runId,
    });
    const pick = (r: Record<string, string>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));
    const check = (
      name: string,
      r: Record<string, string>,
      expected: Record<string, string>,
      times: Record<string, boolean>,
    ) => {
      assert.deepEqual(pick(r, Object.keys(expected)), expected, name);
      for (const [column, isSet] of Object.entries(times)) {
        assert.equal(present(r[column]), isSet, `${name}: ${column} ${isSet ? 'set' : 'empty'} (${r[column]})`);
        if (!isSet) assert.equal(r[column], '', `${name}: ${column}`);
      }
      assert.ok(present(r.requested_at), `${name}: requested_at`);
    };

    check(
      'expired',
      row(expired),
      {
        ...common(requester, expired),
        group_name: group.name,
        justification: 'Rotate the DB password',
        duration_seconds: '2',
        duration: '2s',
        approvers: approver.slackUserId,
        decision_reason: '',
        ended_by: '',
        end_reason: '',
        status: 'EXPIRED',
        extensions_approved: '0',
        extension_seconds: '0',
      },
      { decided_at: true, granted_at: true, expires_at: true, ended_at: true },
    );
    check(
      'rejected',
      row(rejected),
      {
        ...common(outsider, rejected),
        group_name: group.name,
        justification: 'Curious',
        approvers: approver.slackUserId,
        decision_reason: 'Not on call, sorry',
        ended_by: '',
        status: 'REJECTED',
        extensions_approved: '0',
      },
      { decided_at: true, granted_at: false, expires_at: false, ended_at: true },
    );
    check(
      'revoked',
      row(revoked),
      {
        ...common(approver, revoked),
        justification: 'Incident INC-7',
        duration_seconds: '600',
        duration: '10m',
        approvers: `${secondApprover.slackUserId} ${outsider.slackUserId}`,
        ended_by: approver.slackUserId,
        end_reason: 'Done early',
        status: 'REVOKED',
      },
      { decided_at: true, granted_at: true, expires_at: true, ended_at: true },
    );
    check(
      'active',
      row(active),
      {
        ...common(secondApprover, active),
        justification: 'Migration window',
        approvers: approver.slackUserId,
        ended_by: '',
        status: 'ACTIVE',
        extensions_approved: '1',
        extension_seconds: '60',
      },
      { decided_at: true, granted_at: true, expires_at: true, ended_at: false },
    );
    check(
      'pending',
      row(pending),
      {
        ...common(outsider, pending),
        // Round-tripped exactly, behind the formula guard.
        justification: `'${HOSTILE_JUSTIFICATION}`,
        approvers: '',
        status: 'PENDING_APPROVAL',
      },
      { decided_at: false, granted_at: false, expires_at: false, ended_at: false },
    );
    check(
      'terminated',
      row(terminated),
      {
        ...common(requester, terminated),
        group_name: '',
        justification: '',
        duration_seconds: '',
        duration: '',
        approvers: '',
        status: 'TERMINATED',
        extensions_approved: '0',
        extension_seconds: '0',
      },
      { decided_at: false, granted_at: false, expires_at: false, ended_at: false },
    );

    // JSON: the same rows and keys, typed values, no BOM and no formula guard.
    const json = await runExport(['--since', '1h', '--group', group.id, '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.notEqual(json.stdout[0], 0xef, 'no BOM in JSON');
    const objects = JSON.parse(json.stdout.toString('utf8')) as Array<Record<string, unknown>>;
    assert.equal(objects.length, 6);
    for (const object of objects) assert.deepEqual(Object.keys(object), HEADER);
    const byRun = new Map(objects.map((o) => [o.run_id, o]));
    assert.deepEqual(pick2(byRun.get(pending.runId), ['justification', 'status', 'approvers', 'break_glass']), {
      justification: HOSTILE_JUSTIFICATION,
      status: 'PENDING_APPROVAL',
      approvers: null,
      break_glass: false,
    });
    assert.deepEqual(pick2(byRun.get(active.runId), ['duration_seconds', 'extensions_approved', 'extension_seconds']), {
      duration_seconds: 600,
      extensions_approved: 1,
      extension_seconds: 60,
    });
    assert.deepEqual(pick2(byRun.get(terminated.runId), ['status', 'requester_email', 'granted_at']), {
      status: 'TERMINATED',
      requester_email: requester.email,
      granted_at: null,
    });

    // The requester filter narrows to that person's grants.
    const mine = csvRecords(
      await runExport(['--since', '1h', '--group', group.id, '--requester', outsider.email, '--format', 'csv']),
    );
    assert.deepEqual(mine.map((r) => r.run_id).sort(), [rejected.runId, pending.runId].sort());
  } finally {
    for (const workflowId of open) {
      await h.client.workflow
        .getHandle(workflowId)
        .terminate('audit export test cleanup')
        .catch(() => undefined);
    }
  }
});

function pick2(object: Record<string, unknown> | undefined, keys: string[]): Record<string, unknown> {
  assert.ok(object, 'row present');
  return Object.fromEntries(keys.map((k) => [k, object[k]]));
}

test('bad arguments exit 2 naming the argument, with nothing on stdout', async () => {
  const banana = await runExport(['--since', 'banana']);
  assert.equal(banana.code, 2);
  assert.equal(banana.stdout.length, 0);
  assert.match(banana.stderr, /--since/);

  const missing = await runExport(['--format', 'csv']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout.length, 0);
  assert.match(missing.stderr, /--since is required/);

  const format = await runExport(['--since', '1d', '--format', 'xlsx']);
  assert.equal(format.code, 2);
  assert.equal(format.stdout.length, 0);
  assert.match(format.stderr, /--format/);

  const backslash = await runExport(['--since', '1d', '--group', 'a\\b']);
  assert.equal(backslash.code, 2);
  assert.equal(backslash.stdout.length, 0);
  assert.match(backslash.stderr, /--group/);
});
