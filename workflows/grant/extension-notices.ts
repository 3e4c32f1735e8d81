import { type GrantRun } from './grant-run';
import { type GrantState } from './grant-types';

/**
 * Audit records, posts, updates and DMs for the extension events since `from`; in the background, like every message.
 */
export function announceExtensionEvents(run: GrantRun, from: number): void {
  const { state, notices, slack } = run;
  for (const event of run.extensionEvents.slice(from)) {
    const snapshot = JSON.parse(JSON.stringify(state)) as GrantState;
    const extension = state.extensions.find((e) => e.id === event.id);
    if (!extension) continue;
    if (event.kind === 'requested') {
      run.audit('extension_requested', event.id);
      notices.notify('post extension request', async () => {
        extension.approvalMessage = await slack.postExtensionRequest(snapshot, event.id);
      });
      notices.notify('tell the requester about the extension', () => slack.notifyExtension(snapshot, event.id));
      continue;
    }
    notices.notify('update extension request', async () => {
      if (extension.approvalMessage) await slack.updateExtensionRequest(extension.approvalMessage, snapshot, event.id);
    });
    if (event.kind === 'decided') {
      if (extension.status === 'APPROVED') run.audit('extended', event.id);
      if (extension.status === 'REJECTED') run.audit('extension_rejected', event.id);
      if (extension.status === 'APPROVED') notices.refreshApprovalMessage();
      notices.notify('tell the requester about the extension', () => slack.notifyExtension(snapshot, event.id));
    }
  }
}

/** A request still pending when access ends is closed as moot: it never delays the removal. */
export function closeMootExtensions(run: GrantRun): void {
  const before = run.extensionEvents.length;
  for (const extension of run.state.extensions) {
    if (extension.status !== 'PENDING') continue;
    extension.status = 'MOOT';
    run.extensionEvents.push({ kind: 'decided', id: extension.id });
  }
  announceExtensionEvents(run, before);
}
