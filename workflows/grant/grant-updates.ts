import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import {
  type AcknowledgeInput,
  type DecisionInput,
  type ExtensionDecisionInput,
  type ExtensionRequestInput,
  type GrantState,
  type PolicyCloseInput,
  type RemovedOutside,
  type RevokeInput,
} from './grant-types';

/** Approve or reject. Its validator refuses non-approvers, the requester, a second decision and late decisions. */
export const decideUpdate = defineUpdate<GrantState, [DecisionInput]>('decide');

/**
 * Ends the grant now: an active grant is revoked early, a pending request withdrawn. Allowed to the requester and the
 * group's approvers. Registered as `revoke`, the name running grants and callers know.
 */
export const endGrantUpdate = defineUpdate<GrantState, [RevokeInput]>('revoke');

/** The requester asks for more time on the active grant; its validator enforces the group's extension limits. */
export const requestExtensionUpdate = defineUpdate<GrantState, [ExtensionRequestInput]>('requestExtension');

/** Approve or reject a pending extension, by the same rules as the grant's own decision. */
export const decideExtensionUpdate = defineUpdate<GrantState, [ExtensionDecisionInput]>('decideExtension');

/** An approver acknowledges a break-glass grant's alert; its validator refuses anyone else and a second one. */
export const acknowledgeBreakGlassUpdate = defineUpdate<GrantState, [AcknowledgeInput]>('acknowledgeBreakGlass');

/**
 * Withdraws a pending request whose group left the worker's policy: it ends CANCELLED, the requester and the approval
 * message are told why. Only a pending request; an active grant keeps its expiry (extensions are refused elsewhere).
 */
export const closeForPolicyUpdate = defineUpdate<GrantState, [PolicyCloseInput]>('closeForPolicy');

export const grantStateQuery = defineQuery<GrantState>('grantState');

/**
 * From the reconciler: the grant's membership was removed outside JIT access. A signal (a workflow cannot send an
 * Update): the grant checks JumpCloud itself before it believes it, so a forged one changes nothing.
 */
export const removedOutsideSignal = defineSignal<[RemovedOutside]>('membershipRemovedOutside');
