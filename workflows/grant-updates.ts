import { defineQuery, defineUpdate } from '@temporalio/workflow';
import {
  type DecisionInput,
  type ExtensionDecisionInput,
  type ExtensionRequestInput,
  type GrantState,
  type RevokeInput,
} from './grant-types';

/** Approve or reject. Its validator refuses non-approvers, the requester, a second decision and late decisions. */
export const decideUpdate = defineUpdate<GrantState, [DecisionInput]>('decide');

/** Ends an active grant early, or withdraws a pending request. Allowed to the requester and the group's approvers. */
export const revokeUpdate = defineUpdate<GrantState, [RevokeInput]>('revoke');

/** The requester asks for more time on the active grant; its validator enforces the group's extension limits. */
export const requestExtensionUpdate = defineUpdate<GrantState, [ExtensionRequestInput]>('requestExtension');

/** Approve or reject a pending extension, by the same rules as the grant's own decision. */
export const decideExtensionUpdate = defineUpdate<GrantState, [ExtensionDecisionInput]>('decideExtension');

export const grantStateQuery = defineQuery<GrantState>('grantState');
