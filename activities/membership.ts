import { activityInfo, log, metricMeter } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { JumpCloudError } from '../integrations/jumpcloud/jumpcloud-error';
import { MEMBERSHIP_ADD_REFUSED } from '../workflows/grant/grant-types';
import { jumpCloudFailure } from './failures';

export type MembershipDirectory = Pick<JumpCloudClient, 'isMember' | 'addMember' | 'removeMember'>;

export interface Membership {
  groupId: string;
  userId: string;
  /** Attempts made before this activity's own: 1 when the workflow's quick local attempt failed first. */
  attemptsBefore?: number;
}

/** JumpCloud membership changes, each checked afterwards: a 2xx alone is not proof the change landed. */
export function createMembershipActivities(directory: MembershipDirectory) {
  return {
    async isGroupMember({ groupId, userId }: Membership): Promise<boolean> {
      try {
        return await directory.isMember(groupId, userId);
      } catch (err) {
        throw jumpCloudFailure(err);
      }
    },

    async addMembership({ groupId, userId }: Membership): Promise<{ alreadyMember: boolean }> {
      countRetry();
      let changed: boolean;
      try {
        ({ changed } = await directory.addMember(groupId, userId));
      } catch (err) {
        throw addFailure(err);
      }
      await expectMembership(directory, { groupId, userId }, true);
      log.info('Membership added', { groupId, userId, changed });
      return { alreadyMember: !changed };
    },

    /** The verified removal at expiry, revocation, cancellation and drift alike; the name is in running histories. */
    async revokeMembership({ groupId, userId, attemptsBefore }: Membership): Promise<{ wasMember: boolean }> {
      countRetry(attemptsBefore);
      let changed: boolean;
      try {
        ({ changed } = await directory.removeMember(groupId, userId));
      } catch (err) {
        throw jumpCloudFailure(err, { alwaysRetry: true });
      }
      await expectMembership(directory, { groupId, userId }, false, { alwaysRetry: true });
      log.info('Membership removed', { groupId, userId, changed });
      return { wasMember: changed };
    },
  };
}

/**
 * A refusal of the first attempt's add, before JumpCloud changed anything, is MEMBERSHIP_ADD_REFUSED: the grant has
 * nothing to remove. A later attempt's refusal is not: an earlier attempt that timed out may have landed.
 */
function addFailure(err: unknown) {
  const refused = err instanceof JumpCloudError && !err.retryable && activityInfo().attempt === 1;
  return jumpCloudFailure(err, refused ? { type: MEMBERSHIP_ADD_REFUSED } : {});
}

/**
 * Membership changes retry without limit, so a climbing count of retries (by `activityType`) is how a stuck add or
 * removal shows up before anyone notices the access. The exporter appends `_total`.
 */
function countRetry(attemptsBefore = 0): void {
  if (activityInfo().attempt + attemptsBefore > 1) {
    metricMeter
      .createCounter('jit_membership_operation_retries', undefined, 'Membership change attempts after the first')
      .add(1);
  }
}

async function expectMembership(
  directory: MembershipDirectory,
  m: Membership,
  expected: boolean,
  options: { alwaysRetry?: boolean } = {},
) {
  let actual: boolean;
  try {
    actual = await directory.isMember(m.groupId, m.userId);
  } catch (err) {
    throw jumpCloudFailure(err, options);
  }
  if (actual !== expected) {
    // Retryable: JumpCloud may be briefly inconsistent; the next attempt repeats the (idempotent) change.
    throw ApplicationFailure.retryable(
      `JumpCloud accepted the change but user ${m.userId} is ${actual ? 'still' : 'not'} a member of group ${m.groupId}`,
      'MembershipNotVerified',
    );
  }
}
