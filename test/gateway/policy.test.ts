import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../config/env';
import { loadPolicy, parsePolicy } from '../../config/policy';

const GOOD = `defaults:
  approvalTimeout: 30m
  durations: [1h, 15m, 8h, 1h]
groups:
  - id: 64f0c0ffee0000000000a001
    name: prod-db-readonly
    maxDuration: 8h
    approvers: [U0APPROVER1, W0APPROVER2]
  - id: 64f0c0ffee0000000000a002
    maxDuration: 1d
    approvers: [U0APPROVER1]
    allowSelfApproval: true
    approvalChannel: C0SECOPS001
`;

/** GOOD with line `line` (1-based) replaced. */
function withLine(line: number, text: string): string {
  const lines = GOOD.split('\n');
  lines[line - 1] = text;
  return lines.join('\n');
}

/** GOOD with `text` inserted as a new line after line `line` (1-based): the new line is `line + 1`. */
function withLineAfter(line: number, text: string): string {
  const lines = GOOD.split('\n');
  lines.splice(line, 0, text);
  return lines.join('\n');
}

function rejects(text: string, expected: RegExp) {
  assert.throws(
    () => parsePolicy(text, 'policy.yaml'),
    (err: Error) => {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err.name}`);
      assert.match(err.message, /policy\.yaml/);
      assert.match(err.message, expected);
      return true;
    },
  );
}

describe('the policy file', () => {
  test('a good file parses into seconds, with sorted unique presets and the documented defaults', () => {
    assert.deepEqual(parsePolicy(GOOD, 'policy.yaml'), {
      approvalTimeoutSeconds: 1800,
      durationPresetsSeconds: [900, 3600, 28_800],
      groups: [
        {
          id: '64f0c0ffee0000000000a001',
          name: 'prod-db-readonly',
          maxDurationSeconds: 28_800,
          maxTotalDurationSeconds: 57_600,
          approvers: ['U0APPROVER1', 'W0APPROVER2'],
          approverGroups: [],
          allowSelfApproval: false,
          stepUp: false,
          standingMembers: [],
          onDrift: 'report',
          maxDriftRemovals: 3,
          requiredApprovals: 1,
          maxExtensions: 2,
          remindBeforeSeconds: 600,
        },
        {
          id: '64f0c0ffee0000000000a002',
          maxDurationSeconds: 86_400,
          maxTotalDurationSeconds: 172_800,
          approvers: ['U0APPROVER1'],
          approverGroups: [],
          allowSelfApproval: true,
          stepUp: false,
          approvalChannel: 'C0SECOPS001',
          standingMembers: [],
          onDrift: 'report',
          maxDriftRemovals: 3,
          requiredApprovals: 1,
          maxExtensions: 2,
          remindBeforeSeconds: 600,
        },
      ],
    });
  });

  test('standingMembers and onDrift are read per group: IDs and emails (lower-cased), report or remove', () => {
    const policy = parsePolicy(
      GOOD.replace(
        '    approvers: [U0APPROVER1, W0APPROVER2]\n',
        '    approvers: [U0APPROVER1, W0APPROVER2]\n    standingMembers: [64f0c0ffee0000000000b001, Ops@Example.com]\n    onDrift: remove\n',
      ),
      'policy.yaml',
    );
    assert.deepEqual(policy.groups[0]?.standingMembers, ['64f0c0ffee0000000000b001', 'ops@example.com']);
    assert.equal(policy.groups[0]?.onDrift, 'remove');
    assert.equal(policy.groups[0]?.maxDriftRemovals, 3, 'the default cap on removals per run');
  });

  test('a standing member that is neither an ID nor an email, and an unknown onDrift, are named with their lines', () => {
    rejects(withLineAfter(8, '    onDrift: delete'), /groups\[0\]\.onDrift \(line 9\): must be report or remove/);
    rejects(
      withLineAfter(8, '    maxDriftRemovals: 0'),
      /groups\[0\]\.maxDriftRemovals \(line 9\): must be a whole number, at least 1/,
    );
    rejects(
      withLineAfter(8, '    standingMembers: [bob]'),
      /groups\[0\]\.standingMembers\[0\] \(line 9\): must be a JumpCloud user ID/,
    );
  });

  test('requesters are read per group, split into Slack user IDs and JumpCloud group IDs; absent means anyone', () => {
    const policy = parsePolicy(withLineAfter(8, '    requesters: [U0ALICE1, 64f0c0ffee0000000000c001]'), 'policy.yaml');
    assert.deepEqual(policy.groups[0]?.requesters, {
      slackUserIds: ['U0ALICE1'],
      jumpcloudGroupIds: ['64f0c0ffee0000000000c001'],
    });
    assert.equal(policy.groups[1]?.requesters, undefined);
    rejects(
      withLineAfter(8, '    requesters: [alice@example.com]'),
      /groups\[0\]\.requesters\[0\] \(line 9\): must be a Slack user ID such as U0123ABCD or a JumpCloud group ID/,
    );
    rejects(withLineAfter(8, '    requesters: []'), /groups\[0\]\.requesters \(line 9\): must list at least one/);
  });

  test('requiredApprovals above the number of approvers, or below one, is named with its line', () => {
    rejects(
      withLineAfter(8, '    requiredApprovals: 3'),
      /groups\[0\]\.requiredApprovals \(line 9\): must not exceed the number of approvers/,
    );
    rejects(
      withLineAfter(8, '    requiredApprovals: 0'),
      /groups\[0\]\.requiredApprovals \(line 9\): must be a whole number/,
    );
  });

  test('breakGlass is read per group, in seconds, with reviewWithin defaulting to 1h, maxPerDay to 2 and no cooldown', () => {
    const policy = parsePolicy(
      GOOD.replace(
        '    approvers: [U0APPROVER1, W0APPROVER2]\n',
        '    approvers: [U0APPROVER1, W0APPROVER2]\n    breakGlass:\n      maxDuration: 1h\n      alertChannel: C0INCIDENTS\n',
      ),
      'policy.yaml',
    );
    assert.deepEqual(policy.groups[0]?.breakGlass, {
      maxDurationSeconds: 3600,
      alertChannel: 'C0INCIDENTS',
      reviewWithinSeconds: 3600,
      maxPerDay: 2,
      cooldownSeconds: 0,
    });
    assert.equal(policy.groups[1]?.breakGlass, undefined, 'absent = not allowed');
    const withReview = parsePolicy(
      withLineAfter(
        8,
        '    breakGlass: { maxDuration: 1h, alertChannel: C0INCIDENTS, reviewWithin: 15m, maxPerDay: 1, cooldown: 4h, requesters: [U0ONCALL1] }',
      ),
      'policy.yaml',
    );
    assert.equal(withReview.groups[0]?.breakGlass?.reviewWithinSeconds, 900);
    assert.equal(withReview.groups[0]?.breakGlass?.maxPerDay, 1);
    assert.equal(withReview.groups[0]?.breakGlass?.cooldownSeconds, 4 * 3600);
    assert.deepEqual(withReview.groups[0]?.breakGlass?.requesters, {
      slackUserIds: ['U0ONCALL1'],
      jumpcloudGroupIds: [],
    });
  });

  test('escalation is read per group as steps in seconds; absent means none', () => {
    const policy = parsePolicy(
      withLineAfter(8, '    escalation: [{ after: 10m, mention: [U0LEAD1] }, { after: 20m, channel: C0ONCALL1 }]'),
      'policy.yaml',
    );
    assert.deepEqual(policy.groups[0]?.escalation, [
      { afterSeconds: 600, mention: ['U0LEAD1'] },
      { afterSeconds: 1200, channel: 'C0ONCALL1' },
    ]);
    assert.equal(policy.groups[1]?.escalation, undefined);
  });

  test('a bad escalation is named with its line: a step not before the approval timeout, out of order, too many, a bad channel', () => {
    const escalation = (steps: string) => withLineAfter(8, `    escalation: ${steps}`);
    rejects(
      escalation('[{ after: 30m }]'),
      /groups\[0\]\.escalation\[0\]\.after \(line 9\): must be shorter than defaults\.approvalTimeout \(30m\)/,
    );
    rejects(
      escalation('[{ after: 20m }, { after: 10m }]'),
      /groups\[0\]\.escalation \(line 9\): each step's after must be later/,
    );
    rejects(
      escalation('[{ after: 5m }, { after: 10m }, { after: 15m }]'),
      /groups\[0\]\.escalation \(line 9\): must list at most two steps/,
    );
    rejects(
      escalation('[{ after: 5m, channel: "#oncall" }]'),
      /escalation\[0\]\.channel \(line 9\): must be a Slack channel ID/,
    );
    rejects(escalation('[{ afterr: 5m }]'), /escalation\[0\]\.afterr \(line 9\): is not a known key/);
  });

  test('a bad breakGlass key is named with its line', () => {
    const breakGlass = (...lines: string[]) =>
      withLineAfter(8, ['    breakGlass:', ...lines.map((line) => `      ${line}`)].join('\n'));
    rejects(
      breakGlass('maxDuration: 1h', 'alertChannel: "#incidents"'),
      /groups\[0\]\.breakGlass\.alertChannel \(line 11\): must be a Slack channel ID/,
    );
    rejects(breakGlass('alertChannel: C0INCIDENTS'), /groups\[0\]\.breakGlass\.maxDuration \(line 9\): is required/);
    rejects(
      breakGlass('maxDuration: 1d', 'alertChannel: C0INCIDENTS'),
      /groups\[0\]\.breakGlass\.maxDuration \(line 10\): must be at most the group's maxDuration/,
    );
    rejects(
      breakGlass('maxDuration: 1m', 'alertChannel: C0INCIDENTS'),
      /groups\[0\]\.breakGlass\.maxDuration \(line 10\): must be at least the smallest offered duration \(15m\)/,
    );
    rejects(
      breakGlass('maxDuration: 1h', 'alertChannel: C0INCIDENTS', 'reviewWithin: soon'),
      /groups\[0\]\.breakGlass\.reviewWithin \(line 12\): must be a positive duration/,
    );
    rejects(
      breakGlass('maxDuration: 1h', 'alertChannel: C0INCIDENTS', 'reviewWhithin: 1h'),
      /groups\[0\]\.breakGlass\.reviewWhithin \(line 12\): is not a known key/,
    );
    rejects(withLineAfter(8, '    breakGlass: true'), /groups\[0\]\.breakGlass \(line 9\): must be a mapping/);
  });

  test('the shipped example policy is valid', () => {
    const policy = loadPolicy(join(__dirname, '../../config/policy.example.yaml'));
    assert.equal(policy.groups.length, 3);
  });

  test('a group ID that is not 24 hex characters is named with its line', () => {
    rejects(withLine(5, '  - id: prod-db'), /groups\[0\]\.id \(line 5\): must be a JumpCloud group ID/);
  });

  test('an approver given by name instead of Slack user ID is named with its line', () => {
    rejects(
      withLine(8, '    approvers: [U0APPROVER1, "@alice"]'),
      /groups\[0\]\.approvers\[1\] \(line 8\): must be a Slack user ID/,
    );
  });

  test('a group without approvers is named with its line', () => {
    rejects(withLine(8, '    approvers: []'), /groups\[0\]\.approvers \(line 8\): must list at least one/);
  });

  test('approverGroups may name the approvers instead of approvers; then requiredApprovals is not capped by the list', () => {
    const policy = parsePolicy(
      withLine(8, '    approverGroups: [64f0c0ffee0000000000c001]\n    requiredApprovals: 2'),
      'policy.yaml',
    );
    assert.deepEqual(policy.groups[0]?.approvers, []);
    assert.deepEqual(policy.groups[0]?.approverGroups, ['64f0c0ffee0000000000c001']);
    assert.equal(policy.groups[0]?.requiredApprovals, 2);
    rejects(
      withLineAfter(8, '    approverGroups: [ops-team]'),
      /groups\[0\]\.approverGroups\[0\] \(line 9\): must be a JumpCloud group ID/,
    );
  });

  test('a zero or malformed preset duration is named with its line', () => {
    rejects(
      withLine(3, '  durations: [15m, 0m]'),
      /defaults\.durations\[1\] \(line 3\): must be a positive duration .*"0m"/,
    );
    rejects(withLine(3, '  durations: [15m, soon]'), /defaults\.durations\[1\] \(line 3\).*"soon"/);
  });

  test('an approval timeout of zero is named with its line', () => {
    rejects(withLine(2, '  approvalTimeout: 0s'), /defaults\.approvalTimeout \(line 2\): must be a positive duration/);
  });

  test('a maxDuration below the smallest preset is named with its line', () => {
    rejects(
      withLine(7, '    maxDuration: 5m'),
      /groups\[0\]\.maxDuration \(line 7\): must be at least the smallest offered duration \(15m\)/,
    );
  });

  test('a missing maxDuration is reported as required at its group', () => {
    rejects(withLine(7, '    name2: x'), /groups\[0\]\.maxDuration \(line 5\): is required/);
  });

  test('a duplicate group ID is named with the line of the second one', () => {
    rejects(withLine(9, '  - id: 64f0c0ffee0000000000a001'), /groups\[1\]\.id \(line 9\): duplicates groups\[0\]\.id/);
  });

  test('a misspelt key is named with its line', () => {
    rejects(
      withLine(12, '    alowSelfApproval: true'),
      /groups\[1\]\.alowSelfApproval \(line 12\): is not a known key/,
    );
  });

  test('a value of the wrong type is named with its line', () => {
    rejects(
      withLine(12, '    allowSelfApproval: sometimes'),
      /groups\[1\]\.allowSelfApproval \(line 12\): must be true or false/,
    );
  });

  test('an approval channel that is not a channel ID is named with its line', () => {
    rejects(
      withLine(13, '    approvalChannel: "#secops"'),
      /groups\[1\]\.approvalChannel \(line 13\): must be a Slack channel ID/,
    );
  });

  test('missing sections and an empty file are named', () => {
    rejects('groups: []\n', /defaults \(line 1\): is required[\s\S]*groups \(line 1\): must list at least one group/);
    rejects('', /\(top level\) \(line 1\): must be a mapping with the keys defaults and groups/);
  });

  test('broken YAML is reported with its line', () => {
    rejects(withLine(8, '    approvers: [U0APPROVER1'), /not valid YAML:\n {2}line \d+: /);
    rejects(`${GOOD}defaults:\n  approvalTimeout: 1h\n`, /not valid YAML:\n {2}line 14: Map keys must be unique/);
  });

  test('an unreadable file is a ConfigError naming the path and JIT_POLICY_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    assert.throws(
      () => loadPolicy(join(dir, 'missing.yaml')),
      (err: Error) => err instanceof ConfigError && /missing\.yaml \(JIT_POLICY_FILE\)/.test(err.message),
    );
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, GOOD);
    assert.equal(loadPolicy(file).groups.length, 2);
  });
});
