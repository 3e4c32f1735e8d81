import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../config/env';
import { parsePolicy, type JitPolicy } from '../config/policy';
import { type JcGroup } from '../stand-ins/jumpcloud/jumpcloud-directory';
import { type SlackUser } from '../stand-ins/slack/slack-workspace';

/** Settings a test (or a curious person) may change without writing another policy file. */
export interface PolicyOverrides {
  /** replaces defaults.durations, e.g. ['5s', '1m'] for a browser test that watches a grant expire */
  durations?: string[];
  /** replaces defaults.approvalTimeout */
  approvalTimeout?: string;
}

/** The policy file with the overrides applied, validated by the same parser as production. */
export function loadSandboxPolicy(file: string, overrides: PolicyOverrides = {}): JitPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read the sandbox policy ${file}: ${(err as Error).message}`);
  }
  if (overrides.durations === undefined && overrides.approvalTimeout === undefined) return parsePolicy(text, file);
  const document = parseDocument(text);
  if (overrides.durations !== undefined) document.setIn(['defaults', 'durations'], overrides.durations);
  if (overrides.approvalTimeout !== undefined)
    document.setIn(['defaults', 'approvalTimeout'], overrides.approvalTimeout);
  return parsePolicy(document.toString(), `${file} (with overrides)`);
}

/** A policy naming a group or approver the stand-ins do not have would make a demo that cannot work: say so at start. */
export function checkPolicyMatchesWorld(
  policy: JitPolicy,
  world: { groups: JcGroup[]; slackUsers: SlackUser[] },
): void {
  const groupIds = new Set(world.groups.map((g) => g.id));
  const slackIds = new Set(world.slackUsers.map((u) => u.id));
  const problems = policy.groups.flatMap((group) => [
    ...(groupIds.has(group.id)
      ? []
      : [`group ${group.id} (${group.name ?? 'unnamed'}) is not in the JumpCloud stand-in`]),
    ...group.approvers
      .filter((id) => !slackIds.has(id))
      .map((id) => `approver ${id} of ${group.name ?? group.id} is not a Slack user`),
    // Approver and requester groups too: a saved state from an older demo world may lack one.
    ...[
      ...group.approverGroups,
      ...(group.requesters?.jumpcloudGroupIds ?? []),
      ...(group.breakGlass?.requesters?.jumpcloudGroupIds ?? []),
    ]
      .filter((id) => !groupIds.has(id))
      .map((id) => `group ${id}, named by ${group.name ?? group.id}, is not in the JumpCloud stand-in`),
  ]);
  if (problems.length > 0) {
    throw new ConfigError(
      `The sandbox policy does not match the sandbox's world:\n${problems.map((p) => `  ${p}`).join('\n')}\n` +
        'Edit sandbox/demo-policy.yaml, or delete .sandbox-data/ if it holds a JumpCloud state from an older demo world.',
    );
  }
}
