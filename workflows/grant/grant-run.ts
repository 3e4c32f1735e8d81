import * as wf from '@temporalio/workflow';
import { slackActivities } from '../activity-options';
import { type AuditTrail, createAuditTrail } from '../audit/audit-trail';
import { type GrantAuditKind } from '../audit/audit-types';
import { recordGrantTransition } from '../grant-metrics';
import { type LocalFirst, localFirst, localFirstInTurn } from '../local-first';
import { isPatched, type PatchName } from '../patches';
import { grantSearchAttributes as sa } from '../search-attributes';
import { notificationTaskQueue } from '../task-queues';
import { grantCurrentDetails } from './grant-descriptions';
import { GrantNotices } from './grant-notices';
import { breakGlassGrantState, pendingGrantState } from './grant-rules';
import { type GrantInput, type GrantState, type GrantStatus } from './grant-types';
import { type MembershipCalls, membershipCalls } from './membership-calls';

/** An extension request or decision that Slack has not been told of yet. */
export interface ExtensionEvent {
  kind: 'requested' | 'partly-approved' | 'decided';
  /** The extension's id. */
  id: number;
}

/** What Slack has been told of so far in the active phase; a carried run starts from its predecessor's. */
export interface ToldSoFar {
  /** The extension events before this index. */
  extensionEvents: number;
  /** Break-glass only: the acknowledgement the alert shows. */
  acknowledgedAt?: string;
  /** The expiry the requester was last reminded of. */
  remindedFor?: string;
}

/** The grant's patches asked after its first workflow task on code without `patchesAskedFirst`. */
export const LATER_GRANT_PATCHES: readonly PatchName[] = [
  'workerPolicyCheck',
  'removeAfterUncertainAdd',
  'activeGrantsQueue',
  'finalNoticesSurviveCancel',
];

/**
 * One run of a grant: its state (which the Update handlers in grant-handlers.ts change), the patches it runs under,
 * and what every phase uses: the membership calls, the Slack messages and the audit trail.
 */
export class GrantRun {
  readonly state: GrantState;
  readonly requestedAt: number;
  /** The audit-trail patch: asked once, before any handler or command, so every step of this run agrees on it. */
  readonly auditing: boolean;
  /** The hand-off-when-active patch; never for a carried run, whose history is already the active phase alone. */
  readonly mayHandOff: boolean;
  /** The fewer-server-writes patch: no approval message update before the add. */
  readonly fewerWrites: boolean;
  /** The queue the grant began on; a carried run may be on the active grants' queue beside it. */
  readonly grantsQueue: string;
  readonly member: { groupId: string; userId: string };
  readonly membership: MembershipCalls;
  readonly trail: AuditTrail;
  readonly notices: GrantNotices;
  readonly slack: ReturnType<typeof slackActivities>;
  /** A carried run: what its predecessor had told Slack, read before any Update could change the state. */
  readonly carriedTold?: ToldSoFar;
  /** Set by the revoke Update: end the grant now, or withdraw the request. */
  revokeRequested = false;
  /** What happened to extension requests, in order; the active phase tells Slack about each one. */
  readonly extensionEvents: ExtensionEvent[] = [];
  auditSequence: number;

  constructor(readonly input: GrantInput) {
    const carried = input.carriedActive;
    // The patches are asked in this order in every recorded history: keep it.
    this.auditing = isPatched('auditTrail');
    this.grantsQueue = carried?.grantsTaskQueue ?? wf.workflowInfo().taskQueue;
    const notificationQueue = isPatched('notificationTaskQueue') ? notificationTaskQueue(this.grantsQueue) : undefined;
    const fewerTasks = isPatched('fewerWorkflowTasks');
    this.fewerWrites = isPatched('fewerServerWrites');
    this.mayHandOff = !carried && isPatched('handOffWhenActive');
    const tryLocalFirst: LocalFirst | undefined = !this.fewerWrites
      ? undefined
      : isPatched('localActivitiesInTurn')
        ? localFirstInTurn()
        : localFirst;
    // A patch first asked once a local activity has resolved may replay before its marker is known, and take the old
    // branch: asked here, each is decided once, in the first workflow task, and recorded there.
    if (isPatched('patchesAskedFirst')) {
      for (const later of LATER_GRANT_PATCHES) isPatched(later);
    }
    this.requestedAt = Date.now();
    // Pending from the first instruction: an Update that arrived with the start is validated as soon as its handler
    // is registered, so the state must already be what the validator expects. Break-glass access is approved from the
    // first instruction: no decision can arrive for it.
    const pending = pendingGrantState(input, this.requestedAt);
    this.state = carried
      ? carried.state
      : input.breakGlass
        ? breakGlassGrantState(pending, input, this.requestedAt)
        : pending;
    if (carried) {
      this.carriedTold = {
        extensionEvents: 0,
        acknowledgedAt: carried.state.acknowledgedAt,
        remindedFor: carried.remindedFor,
      };
    }
    this.auditSequence = carried?.auditSequence ?? 0;
    this.member = { groupId: input.group.id, userId: input.requester.jumpcloudUserId };
    this.membership = membershipCalls(input, this.auditing, tryLocalFirst ?? (fewerTasks ? 'local' : 'remote'));
    this.slack = slackActivities(notificationQueue, input.timing?.notificationBudgetSeconds);
    this.notices = new GrantNotices(this.state, this.slack, fewerTasks);
    this.trail = createAuditTrail({
      budgetSeconds: input.timing?.auditBudgetSeconds,
      taskQueue: notificationQueue,
      localFirst: tryLocalFirst,
      records: () => this.state.auditRecords ?? {},
      onRecord: (sink, ref) => {
        this.state.auditRecords = { ...this.state.auditRecords, [sink]: ref };
        // The approvers see the record's number beside the request.
        this.notices.refreshApprovalMessage();
        wf.setCurrentDetails(grantCurrentDetails(this.state));
      },
      onGivenUp: (sink, event, error) => {
        this.state.auditFailures = (this.state.auditFailures ?? 0) + 1;
        wf.log.warn('Audit record given up', { sink, event: `${event.subject}.${event.kind}`, error });
      },
    });
  }

  /** The first step after the handlers: a new grant is counted and audited; a carried one was, by its first run. */
  begin(): void {
    if (this.input.carriedActive) {
      // The first run also passed on its search attributes.
      if (this.auditing) wf.setCurrentDetails(grantCurrentDetails(this.state));
      return;
    }
    this.setStatus(this.state.status);
    this.audit(this.input.breakGlass ? 'break_glass_used' : 'requested');
  }

  /** Sends the event to the audit sinks in the background (grants before the audit-trail patch send nothing). */
  audit(kind: GrantAuditKind, extensionId?: number): void {
    if (!this.auditing) return;
    this.auditSequence += 1;
    this.trail.record({
      subject: 'grant',
      kind,
      sequence: this.auditSequence,
      at: new Date().toISOString(),
      workflowId: wf.workflowInfo().workflowId,
      // The grant's first run: a grant that continued as new is still one subject for the sinks.
      runId: wf.workflowInfo().firstExecutionRunId,
      grant: JSON.parse(JSON.stringify(this.state)) as GrantState,
      extensionId,
    });
  }

  /** The new status, in the state, the search attributes, the Web UI's current details and the metrics. */
  setStatus(status: GrantStatus): void {
    const { state, input } = this;
    state.status = status;
    wf.upsertSearchAttributes([
      { key: sa.status, value: status },
      { key: sa.requester, value: input.requester.slackUserId },
      { key: sa.requesterEmail, value: input.requester.email },
      { key: sa.group, value: input.group.id },
      ...(state.decidedBy ? [{ key: sa.decider, value: state.decidedBy }] : []),
      ...(state.expiresAt ? [{ key: sa.expiresAt, value: new Date(state.expiresAt) }] : []),
      ...(state.breakGlass ? [{ key: sa.breakGlass, value: true }] : []),
      ...(this.auditing ? [{ key: sa.groupName, value: input.group.name }] : []),
    ]);
    if (this.auditing) wf.setCurrentDetails(grantCurrentDetails(state));
    recordGrantTransition(state);
  }

  /** True when nothing is in flight that a new run would not know of: no message, no audit record, no Update. */
  quiet(): boolean {
    return this.notices.idle() && this.trail.idle() && wf.allHandlersFinished();
  }

  /** The end of the run: every message and audit record out, every Update answered. */
  async finish(): Promise<GrantState> {
    await this.notices.settled();
    await this.trail.settled();
    await wf.condition(wf.allHandlersFinished);
    return this.state;
  }
}
