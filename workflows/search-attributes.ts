import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Registered when the Temporal server starts, so the Web UI can filter grants by them. */
export const grantSearchAttributes = {
  status: defineSearchAttributeKey('JitStatus', SearchAttributeType.KEYWORD),
  requester: defineSearchAttributeKey('JitRequester', SearchAttributeType.KEYWORD),
  requesterEmail: defineSearchAttributeKey('JitRequesterEmail', SearchAttributeType.KEYWORD),
  group: defineSearchAttributeKey('JitGroup', SearchAttributeType.KEYWORD),
  /** The group's name as the policy gave it, beside its ID: `JitGroupName = "prod-db-readonly"`. */
  groupName: defineSearchAttributeKey('JitGroupName', SearchAttributeType.KEYWORD),
  decider: defineSearchAttributeKey('JitDecider', SearchAttributeType.KEYWORD),
  expiresAt: defineSearchAttributeKey('JitExpiresAt', SearchAttributeType.DATETIME),
  /** Set (true) on break-glass grants only: `JitBreakGlass = true` lists them. */
  breakGlass: defineSearchAttributeKey('JitBreakGlass', SearchAttributeType.BOOL),
} as const;

/** `temporal server start-dev --search-attribute NAME=TYPE` arguments for every key above. */
export function searchAttributeCliArgs(): string[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool' };
  return Object.values(grantSearchAttributes).flatMap((key) => [
    '--search-attribute',
    `${key.name}=${cliType[key.type] ?? key.type}`,
  ]);
}
