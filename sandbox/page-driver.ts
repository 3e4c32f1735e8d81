import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ActionIds } from '../integrations/slack/block-kit/ids';
import { type GrantStatus } from '../workflows/grant/grant-types';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Debian's Chromium, never a downloaded browser. Missing is a failure that says how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: the browser tests drive Debian's Chromium and never download one. ` +
        'Install it: `apt-get install chromium` (after `apt-get update`; scripts/test.sh does this when it runs as root).',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface GrantRequest {
  groupName: string;
  /** the option's label, e.g. '5s' or '15m' */
  duration: string;
  justification: string;
}

export interface ExtensionRequest {
  /** the option's label under "How much longer", e.g. '1m' */
  duration: string;
  reason: string;
}

/** The sandbox page as a person uses it: pick who you are, type /jit, fill the modal, click buttons. */
export class SandboxPageDriver {
  constructor(
    readonly page: Page,
    private readonly screenshotDir?: string,
  ) {
    if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('#who option').first().waitFor({ state: 'attached' });
    await this.page.locator('#connection.live').waitFor();
  }

  async actAs(slackUserId: string): Promise<void> {
    await this.page.selectOption('#who', slackUserId);
  }

  /** A channel ID, or '@app' for the direct messages with the app. */
  async openConversation(conversation: string): Promise<void> {
    await this.page.locator(`.conversation-button[data-conversation="${conversation}"]`).click();
  }

  async type(text: string): Promise<void> {
    await this.page.fill('#composer-input', text);
    await this.page.press('#composer-input', 'Enter');
  }

  get modal(): Locator {
    return this.page.locator('.modal');
  }

  /** Waits for the request form (the loading modal is replaced once JumpCloud answered), fills it in and submits. */
  async fillRequestForm(request: GrantRequest): Promise<void> {
    const group = this.modal.getByLabel('Group');
    await group.waitFor();
    await group.selectOption({ label: request.groupName });
    await this.modal.getByLabel('For how long').selectOption({ label: request.duration });
    await this.modal.getByLabel('Why do you need it?').fill(request.justification);
  }

  async submitModal(): Promise<void> {
    await this.modal.locator('.modal-submit').click();
    await this.modal.waitFor({ state: 'detached' });
  }

  /** The message in the current conversation whose text contains `text`. */
  message(text: string): Locator {
    return this.page.locator('.message', { hasText: text });
  }

  /** Clicks Approve on `message` and confirms in the dialog. */
  async approve(message: Locator): Promise<void> {
    await this.clickAndConfirm(message.locator(`button[data-action-id="${ActionIds.approve}"]`));
  }

  /** Clicks Approve on an extension request in the approval channel and confirms in the dialog. */
  async approveExtension(message: Locator, screenshotOfDialog?: string): Promise<void> {
    await this.clickAndConfirm(
      message.locator(`button[data-action-id="${ActionIds.approveExtension}"]`),
      screenshotOfDialog,
    );
  }

  /**
   * Clicks Extend on the requester's "granted" message, waits for the app's form, picks how much longer, gives the
   * reason and submits; with `screenshotOfForm`, takes that screenshot of the filled form first.
   */
  async extend(message: Locator, request: ExtensionRequest, screenshotOfForm?: string): Promise<void> {
    await message.locator(`button[data-action-id="${ActionIds.extend}"]`).click();
    const duration = this.modal.getByLabel('How much longer');
    await duration.waitFor();
    await duration.selectOption({ label: request.duration });
    await this.modal.getByLabel('Why do you need more time?').fill(request.reason);
    if (screenshotOfForm) await this.screenshot(screenshotOfForm);
    await this.submitModal();
  }

  /** Clicks Remove now on a drift alert and confirms in the dialog. */
  async removeDriftNow(alert: Locator, screenshotOfDialog?: string): Promise<void> {
    await this.clickAndConfirm(alert.locator(`button[data-action-id="${ActionIds.removeDrift}"]`), screenshotOfDialog);
  }

  /** Clicks a button that asks for confirmation, then the dialog's confirming button. */
  private async clickAndConfirm(button: Locator, screenshotOfDialog?: string): Promise<void> {
    await button.click();
    const dialog = this.page.locator('#confirm-dialog[open]');
    await dialog.waitFor();
    if (screenshotOfDialog) await this.screenshot(screenshotOfDialog);
    // The confirming button is the last: green, or red for a dangerous action (style: danger).
    await dialog.locator('.confirm-buttons button:last-child').click();
    await dialog.waitFor({ state: 'hidden' });
  }

  membership(groupId: string, jumpcloudUserId: string): Locator {
    return this.page.locator(`.member[data-group-id="${groupId}"][data-user-id="${jumpcloudUserId}"]`);
  }

  /** A member the page marks as holding the group through an approved or active grant ("JIT"). */
  jitMembership(groupId: string, jumpcloudUserId: string): Locator {
    return this.membership(groupId, jumpcloudUserId).and(this.page.locator('.granted'));
  }

  /** The grant in the side panel, as Temporal lists it; with `status`, only while it has that status. */
  grant(workflowId: string, status?: GrantStatus): Locator {
    const grant = `li.grant[data-workflow-id="${workflowId}"]`;
    return this.page.locator(status ? `${grant}[data-status="${status}"]` : grant);
  }

  /** The grant's entry in the Audit records panel; with `runId`, only that run's. */
  auditRecord(workflowId: string, runId?: string): Locator {
    const record = `li.audit-record[data-workflow-id="${workflowId}"]`;
    return this.page.locator(runId ? `${record}[data-run-id="${runId}"]` : record);
  }

  /** One sink's line in an Audit records entry: 'servicenow', 'jira' or 'webhook'. */
  auditLine(record: Locator, sink: string): Locator {
    return record.locator(`.audit-line[data-sink="${sink}"]`);
  }

  temporalLink(workflowId: string): Locator {
    return this.page.locator(`a.temporal-link[data-workflow-id="${workflowId}"]`);
  }

  async screenshot(name: string, page: Page = this.page): Promise<void> {
    if (!this.screenshotDir) return;
    await page.screenshot({ path: path.join(this.screenshotDir, `${name}.png`) });
  }
}
