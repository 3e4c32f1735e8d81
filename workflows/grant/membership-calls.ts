import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { membershipChangeOptions } from '../activity-options';
import { type LocalFirst, QUICK_LOCAL_ATTEMPT } from '../local-first';
import { type GrantInput } from './grant-types';

type Member = Parameters<Activities['isGroupMember']>[0];

/** The grant's three JumpCloud calls, as the grant's patches say to make them. */
export interface MembershipCalls {
  /** The worker's own policy on this grant (the worker-policy-check patch): its refusal, or undefined. */
  checkGrantPolicy(check: Parameters<Activities['checkGrantPolicy']>[0]): ReturnType<Activities['checkGrantPolicy']>;
  isGroupMember(member: Member): ReturnType<Activities['isGroupMember']>;
  addMembership(member: Member): ReturnType<Activities['addMembership']>;
  /**
   * The verified removal, at expiry, revocation, cancellation or failure alike. Registered as `revokeMembership`: the
   * name is in every running grant's history, so it stays.
   */
  removeMembership(member: Member): ReturnType<Activities['revokeMembership']>;
}

/**
 * How each call is made. `remote`: ordinary activities (grants before the fewer-workflow-tasks patch). `local`: the
 * pre-check runs as a local activity with the same retries. A `LocalFirst` (fewer-server-writes): the pre-check and the
 * removal each try once as a local activity, then as the ordinary activity. The add is always an ordinary activity: the
 * pre-check's answer must be in the history before it runs. `named`: the Web UI shows a summary of each call (the
 * audit-trail patch).
 */
export function membershipCalls(input: GrantInput, named: boolean, mode: 'remote' | 'local' | LocalFirst) {
  // No maximumAttempts and no scheduleToClose: a grant's membership change retries until it happens.
  const options = membershipChangeOptions(input.timing?.membershipRetryMaxIntervalSeconds);
  const activities = wf.proxyActivities<Activities>(options);
  const local = wf.proxyLocalActivities<Activities>(options);
  const quick = wf.proxyLocalActivities<Activities>(QUICK_LOCAL_ATTEMPT);
  const who = `${input.requester.email} (${input.requester.jumpcloudUserId})`;
  const group = `${input.group.name} (${input.group.id})`;
  const labelled =
    <A extends unknown[], R>(fn: wf.ActivityFunctionWithOptions<(...args: A) => Promise<R>>, summary: string) =>
    (...args: A): Promise<R> =>
      named ? fn.executeWithOptions({ summary }, args) : fn(...args);
  const isMemberSummary = `is ${who} already in ${group}?`;
  const removeSummary = `remove ${who} from ${group}`;
  const policySummary = `may ${who} be added to ${group}?`;
  const checkGrantPolicy = labelled(activities.checkGrantPolicy, policySummary);
  const isGroupMember = labelled(activities.isGroupMember, isMemberSummary);
  const remove = labelled(activities.revokeMembership, removeSummary);
  const calls: MembershipCalls = {
    // It reads the worker's memory: a local activity where the grant makes them (in turn with the others), else an
    // activity, for a grant started before local activities that reaches its add on this code.
    checkGrantPolicy:
      typeof mode === 'function'
        ? (check) =>
            mode(
              () => quick.checkGrantPolicy.executeWithOptions({ summary: policySummary }, [check]),
              () => checkGrantPolicy(check),
            )
        : mode === 'local'
          ? (check) => local.checkGrantPolicy.executeWithOptions({ summary: policySummary }, [check])
          : checkGrantPolicy,
    isGroupMember:
      typeof mode === 'function'
        ? (m) =>
            mode(
              () => quick.isGroupMember.executeWithOptions({ summary: isMemberSummary }, [m]),
              () => isGroupMember(m),
            )
        : mode === 'local'
          ? (m) => local.isGroupMember.executeWithOptions({ summary: isMemberSummary }, [m])
          : isGroupMember,
    addMembership: labelled(activities.addMembership, `add ${who} to ${group}`),
    removeMembership:
      typeof mode === 'function'
        ? (m) =>
            mode(
              () => quick.revokeMembership.executeWithOptions({ summary: removeSummary }, [m]),
              () => remove({ ...m, attemptsBefore: 1 }),
            )
        : remove,
  };
  return calls;
}
