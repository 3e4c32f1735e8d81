import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { type DecisionInput, type GrantState, type RevokeInput } from './grant-types';

/** Approve or reject. Its validator refuses non-approvers, the requester, a second decision and late decisions. */
export const decideUpdate = defineUpdate<GrantState, [DecisionInput]>('decide');

/** Ends an active grant early, or withdraws a pending request. Allowed to the requester and the group's approvers. */
export const revokeUpdate = defineUpdate<GrantState, [RevokeInput]>('revoke');

export const grantStateQuery = defineQuery<GrantState>('grantState');
