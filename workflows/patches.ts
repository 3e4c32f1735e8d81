import * as wf from '@temporalio/workflow';

/**
 * Every patch of the workflows, each ID once. A workflow asks `isPatched(name)`, never `wf.patched` with a string, so a
 * typo is a type error instead of a new patch; test/unit/patch-registry.test.ts checks that every entry is used and
 * that every patch marker in the recorded histories names one. How a patch retires: docs/architecture.md, "Patches".
 */
interface PatchEntry {
  /** The marker's ID in running histories: never changes. */
  id: string;
  /** When it landed (a workflow started earlier takes the old branch). */
  added: string;
  /** Which workflows ask it. */
  workflows: ReadonlyArray<'grant' | 'reconciler'>;
  /** What it changes. */
  what: string;
  /** When the old branch may go: then `deprecatePatch`, later the entry itself (docs/architecture.md). */
  retireWhen: string;
}

/** A grant lives at most its approval timeout plus its longest total duration with extensions. */
const GRANT_LIFETIME = 'no grant started before it can still run (the longest approvalTimeout + maxTotalDuration)';
/** The reconciler asks its patches once per run and continues as new every 100 runs. */
const RECONCILER_LIFETIME = 'the reconciler has continued as new once since the deploy';

export const PATCHES = {
  finalNoticesSurviveCancel: {
    id: 'final-notices-survive-cancel',
    added: '2026-11-25',
    workflows: ['grant'],
    what: 'the last Slack messages and audit record of a grant cancelled while active are sent',
    retireWhen: GRANT_LIFETIME,
  },
  auditTrail: {
    id: 'audit-trail',
    added: '2026-11-25',
    workflows: ['grant', 'reconciler'],
    what: 'audit records (ServiceNow, Jira, webhook), named activities, current details and JitGroupName',
    retireWhen: `${GRANT_LIFETIME}, and ${RECONCILER_LIFETIME}`,
  },
  notificationTaskQueue: {
    id: 'notification-task-queue',
    added: '2026-11-25',
    workflows: ['grant', 'reconciler'],
    what: 'Slack and audit activities go to the notification task queue (workflows/task-queues.ts)',
    retireWhen: `${GRANT_LIFETIME}, and ${RECONCILER_LIFETIME}`,
  },
  fewerWorkflowTasks: {
    id: 'fewer-workflow-tasks',
    added: '2026-11-25',
    workflows: ['grant'],
    what: 'the pre-check as a local activity before the add; the messages after a change as one activity',
    retireWhen: GRANT_LIFETIME,
  },
  fewerServerWrites: {
    id: 'fewer-server-writes',
    added: '2026-11-26',
    workflows: ['grant'],
    what: 'the removal, the pre-check and the sinks question try a local activity first (workflows/local-first.ts)',
    retireWhen: GRANT_LIFETIME,
  },
  handOffWhenActive: {
    id: 'hand-off-when-active',
    added: '2026-11-26',
    workflows: ['grant'],
    what: 'once granted and every message is out, the grant continues as a new run that holds the access',
    retireWhen: GRANT_LIFETIME,
  },
  localActivitiesInTurn: {
    id: 'local-activities-in-turn',
    added: '2026-11-26',
    workflows: ['grant'],
    what: 'the local activities of a grant run one at a time, so their results replay in the same order',
    retireWhen: GRANT_LIFETIME,
  },
  activeGrantsQueue: {
    id: 'active-grants-queue',
    added: '2026-11-26',
    workflows: ['grant'],
    what: 'the hand-off continues the grant on the active grants queue (workflows/task-queues.ts)',
    retireWhen: GRANT_LIFETIME,
  },
  removeAfterUncertainAdd: {
    id: 'remove-after-uncertain-add',
    added: '2026-12-07',
    workflows: ['grant'],
    what: 'an add that may have landed (cancelled in flight, or failed after JumpCloud accepted it) is removed',
    retireWhen: GRANT_LIFETIME,
  },
  workerPolicyCheck: {
    id: 'worker-policy-check',
    added: '2026-12-07',
    workflows: ['grant'],
    what: 'before the add, the worker checks the grant against its own policy; a refusal ends it FAILED, nothing added',
    retireWhen: GRANT_LIFETIME,
  },
  patchesAskedFirst: {
    id: 'patches-asked-first',
    added: '2026-12-07',
    workflows: ['grant'],
    what: 'every later patch of a grant is asked in its first workflow task: a patch first asked after a local activity\'s result could replay without its marker (docs/architecture.md, "Patches")',
    retireWhen: GRANT_LIFETIME,
  },
  guardedReconciler: {
    id: 'guarded-reconciler',
    added: '2026-12-07',
    workflows: ['reconciler'],
    what: "configuration from the worker's policy each run (the signal is ignored); removals capped, held for a group's first run in remove mode and for unresolved standing members, each after a fresh look",
    retireWhen: RECONCILER_LIFETIME,
  },
  driftEvents: {
    id: 'drift-events',
    added: '2026-12-07',
    workflows: ['reconciler'],
    what: 'follows JumpCloud Directory Insights between sweeps when configured: the groups a change touches are inspected at once, and the alert names who made the change',
    retireWhen: RECONCILER_LIFETIME,
  },
  tellGrantOfRemoval: {
    id: 'tell-grant-of-removal',
    added: '2026-12-07',
    workflows: ['reconciler'],
    what: 'an active grant whose membership was removed outside JIT access is signalled once, and tells its requester',
    retireWhen: RECONCILER_LIFETIME,
  },
} as const satisfies Record<string, PatchEntry>;

export type PatchName = keyof typeof PATCHES;

/** `wf.patched` for a registered patch: true in a workflow that reached this point on code that has the patch. */
export function isPatched(name: PatchName): boolean {
  return wf.patched(PATCHES[name].id);
}
