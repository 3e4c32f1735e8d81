/**
 * Regenerates docs/sandbox.png, the README's picture of the sandbox page: an approved grant with its membership
 * visible, and a second request waiting for approval. Starts its own sandbox on random ports in a temporary folder,
 * so it runs beside `npm start`. Usage: npx tsx scripts/screenshot-sandbox.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DEMO_GROUPS, DEMO_PEOPLE, SANDBOX_CHANNELS } from '../sandbox/demo-world';
import { startSandbox } from '../sandbox/sandbox-system';
import { launchChromium, SandboxPageDriver } from '../sandbox/page-driver';

const root = path.join(__dirname, '..');
const output = path.join(root, 'docs', 'sandbox.png');

function slackUserId(name: string): string {
  const found = DEMO_PEOPLE.find((p) => p.name === name);
  if (!found) throw new Error(`no demo person ${name}`);
  return found.slackUserId;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const temporalCliPath =
    process.env.TEMPORAL_CLI_PATH ||
    execFileSync('bash', [path.join(root, 'scripts', 'ensure-temporal-cli.sh')], { encoding: 'utf8' }).trim();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jit-sandbox-screenshot-'));
  const sandbox = await startSandbox({ temporalCliPath, dataDir, log: (line) => console.log(line) });
  const browser = await launchChromium();
  try {
    const driver = new SandboxPageDriver(await browser.newPage({ viewport: { width: 1440, height: 900 } }));
    await driver.open(sandbox.pageUrl);

    await driver.actAs(slackUserId('ada'));
    await driver.type('/jit');
    await driver.fillRequestForm({
      groupName: DEMO_GROUPS.prodDbReadonly.name,
      duration: '1h',
      justification: 'Investigating INC-4711: slow checkout queries',
    });
    await driver.submitModal();

    await driver.actAs(slackUserId('margaret'));
    await driver.openConversation(SANDBOX_CHANNELS.approvals.id);
    await driver.approve(driver.message(`requests ${DEMO_GROUPS.prodDbReadonly.name}`));
    await driver.page.locator('.member.granted').waitFor({ timeout: 20_000 });

    await driver.actAs(slackUserId('grace'));
    await driver.type('/jit');
    await driver.fillRequestForm({
      groupName: DEMO_GROUPS.prodK8sAdmin.name,
      duration: '15m',
      justification: 'Rolling out the ingress fix for INC-4712',
    });
    await driver.submitModal();

    await driver.actAs(slackUserId('margaret'));
    await driver.message(`requests ${DEMO_GROUPS.prodK8sAdmin.name}`).locator('button').first().waitFor();
    // Let the "just changed" highlights fade.
    await driver.page.waitForTimeout(3500);
    await driver.page.screenshot({ path: output });
    console.log(`Wrote ${path.relative(root, output)}`);
  } finally {
    await browser.close();
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
