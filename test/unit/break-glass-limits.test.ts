import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type PolicyBreakGlass } from '../../config/policy';
import { breakGlassRefusal } from '../../gateway/people/break-glass-limits';
import { type GrantSummary } from '../../integrations/temporal/grant-service';
import { people, policyGroup } from '../support/grant-inputs';

const NOW = Date.parse('2030-01-02T12:00:00.000Z');
const rules: PolicyBreakGlass = {
  maxDurationSeconds: 600,
  alertChannel: 'C0ALERTS',
  reviewWithinSeconds: 600,
  maxPerDay: 2,
  cooldownSeconds: 3600,
};

/** The person's earlier break-glass grants, begun these many minutes before NOW. */
function earlier(...minutesAgo: number[]) {
  const grants = minutesAgo.map((m) => ({ startTime: new Date(NOW - m * 60_000) }) as GrantSummary);
  return { grants: { list: async () => grants }, now: () => NOW };
}

describe('break-glass limits', () => {
  const group = policyGroup({ breakGlass: rules });
  const who = people.requester.slackUserId;

  test('a first break-glass passes; one within the cooldown of the last is refused with the wait', async () => {
    assert.equal(await breakGlassRefusal(earlier(), group, who, []), undefined);
    assert.match(
      (await breakGlassRefusal(earlier(20), group, who, [])) ?? '',
      /began less than 1h ago; you may take it again in 40m/,
    );
    assert.equal(await breakGlassRefusal(earlier(61), group, who, []), undefined);
  });

  test('maxPerDay counts the last 24 hours only', async () => {
    assert.match((await breakGlassRefusal(earlier(90, 300), group, who, [])) ?? '', /maxPerDay is 2/);
    assert.equal(await breakGlassRefusal(earlier(90, 25 * 60), group, who, []), undefined);
  });

  test("break-glass requesters replace the group's; absent, the group's apply", async () => {
    const onCall = '64f0c0ffee0000000000c009';
    const own = policyGroup({
      breakGlass: { ...rules, requesters: { slackUserIds: [], jumpcloudGroupIds: [onCall] } },
    });
    assert.match((await breakGlassRefusal(earlier(), own, who, [])) ?? '', /not among the people/);
    assert.equal(await breakGlassRefusal(earlier(), own, who, [onCall]), undefined);
    const inherited = policyGroup({
      requesters: { slackUserIds: ['U0SOMEONE'], jumpcloudGroupIds: [] },
      breakGlass: rules,
    });
    assert.match((await breakGlassRefusal(earlier(), inherited, who, [])) ?? '', /not among the people/);
  });
});
