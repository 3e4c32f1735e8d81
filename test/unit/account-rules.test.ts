import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { slackAccountProblem } from '../../gateway/people/account-rules';
import { jumpCloudAccountProblem } from '../../integrations/jumpcloud/account-state';
import { mayRequest } from '../../gateway/people/requester-rules';
import { type PolicyGroup } from '../../config/policy';

const OWN_TEAM = 'T0OURTEAM';
const member = { team_id: OWN_TEAM, deleted: false, is_bot: false, is_restricted: false, is_ultra_restricted: false };
const active = { id: '64f0c0ffee0000000000d001', email: 'a@example.com', username: 'a', state: 'ACTIVATED' };

describe('who is a person we trust', () => {
  test('a full member of the own workspace passes; guests, strangers, other workspaces, bots and the deactivated do not', () => {
    assert.equal(slackAccountProblem(member, OWN_TEAM), undefined);
    assert.equal(slackAccountProblem({ ...member, is_restricted: true }, OWN_TEAM), 'is a guest account');
    assert.equal(slackAccountProblem({ ...member, is_ultra_restricted: true }, OWN_TEAM), 'is a guest account');
    assert.equal(
      slackAccountProblem({ ...member, team_id: 'T0ELSEWHERE' }, OWN_TEAM),
      'belongs to another Slack workspace',
    );
    assert.equal(slackAccountProblem({ ...member, is_stranger: true }, OWN_TEAM), 'belongs to another Slack workspace');
    assert.equal(slackAccountProblem({ ...member, is_bot: true }, OWN_TEAM), 'is a bot');
    assert.equal(slackAccountProblem({ ...member, is_app_user: true }, OWN_TEAM), 'is a bot');
    assert.equal(slackAccountProblem({ ...member, deleted: true }, OWN_TEAM), 'is deactivated');
  });

  test('only an ACTIVATED JumpCloud account, unlocked and with a password in date, passes; a missing state does not', () => {
    assert.equal(jumpCloudAccountProblem(active), undefined);
    assert.equal(jumpCloudAccountProblem({ ...active, state: 'SUSPENDED' }), 'is suspended');
    assert.equal(jumpCloudAccountProblem({ ...active, suspended: true }), 'is suspended');
    assert.equal(jumpCloudAccountProblem({ ...active, state: 'STAGED' }), 'is staged (not activated yet)');
    assert.equal(jumpCloudAccountProblem({ ...active, accountLocked: true }), 'is locked');
    assert.equal(jumpCloudAccountProblem({ ...active, passwordExpired: true }), 'has an expired password');
    assert.equal(jumpCloudAccountProblem({ ...active, state: undefined }), 'is not active (its state is unknown)');
  });

  test('requesters: anyone when absent, else a named Slack user or a member of a named JumpCloud group', () => {
    const open = { id: 'g' } as PolicyGroup;
    const closed = {
      id: 'g',
      requesters: { slackUserIds: ['U0ALICE1'], jumpcloudGroupIds: ['jc-team'] },
    } as PolicyGroup;
    assert.equal(mayRequest(open, 'U0ANYONE', []), true);
    assert.equal(mayRequest(closed, 'U0ALICE1', []), true);
    assert.equal(mayRequest(closed, 'U0BOB', ['other', 'jc-team']), true);
    assert.equal(mayRequest(closed, 'U0BOB', ['other']), false);
  });
});
