import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test, type TestContext } from 'node:test';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { startOidcStandIn, type OidcStandIn } from '../../stand-ins/oidc/oidc-stand-in';
import { type GrantState } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { type Person } from '../support/grant-harness';
import { membershipChanges } from '../support/jumpcloud-calls';
import { SignInBrowser } from '../support/sign-in-browser';
import { closeTestTemporal } from '../support/temporal';
import { createGatewayHarness, type GatewayHarness } from './gateway-harness';

after(() => closeTestTemporal());

const CLIENT = { clientId: 'jit-access-gateway', clientSecret: 'step-up-client-secret' };

/** A port nothing listens on now: the gateway's public URL must be known before it starts (the provider needs it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const passwordOf = (person: Person) => `pw-${person.name}`;

/** The gateway harness with step-up on its main group, and the identity provider where its people sign in. */
async function stepUpWorld(
  t: TestContext,
  options: { maxAgeSeconds?: number; otherClient?: boolean; breakGlass?: boolean } = {},
) {
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}/step-up/callback`;
  const idp: OidcStandIn = await startOidcStandIn({
    clients: [
      { ...CLIENT, redirectUris: [callback] },
      // Another app of the same company, whose codes and tokens are not for the gateway.
      ...(options.otherClient
        ? [{ clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [callback] }]
        : []),
    ],
  });
  t.after(() => idp.close());
  const h = await createGatewayHarness(
    t,
    { stepUp: true, ...(options.breakGlass && { breakGlass: { maxDuration: '10m', reviewWithin: '1h' } }) },
    {
      gateway: {
        port,
        stepUpSignIn: {
          issuer: idp.issuer,
          ...CLIENT,
          publicUrl: `http://127.0.0.1:${port}/`,
          maxAgeSeconds: options.maxAgeSeconds ?? 300,
        },
      },
    },
  );
  for (const person of [h.requester, h.approver, h.secondApprover, h.outsider]) {
    idp.addUser({ email: person.email, password: passwordOf(person) });
  }
  return { h, idp };
}

/** The approver clicks Approve and is given a sign-in link, only them; nothing is decided yet. */
async function clickApprove(h: GatewayHarness, approver: Person): Promise<{ workflowId: string; link: string }> {
  const { workflowId, message } = await h.requestAccess({ durationSeconds: 3 });
  assert.equal((await h.click(approver, message, ActionIds.approve)).status, 200);
  const asked = await h.slack.waitFor(
    'the sign-in link',
    () => h.ephemeralsFor(approver).find((m) => /need a fresh sign-in/.test(m.text ?? '')),
    20_000,
  );
  const link = /<(http[^|>]+)\|Sign in to approve>/.exec(asked.text ?? '')?.[1];
  assert.ok(link, `a sign-in link in: ${asked.text ?? ''}`);
  return { workflowId, link };
}

async function assertNothingDecided(h: GatewayHarness, workflowId: string): Promise<void> {
  const state: GrantState = await h.grants.state(workflowId);
  assert.equal(state.status, 'PENDING_APPROVAL');
  assert.deepEqual(state.approvals, []);
  assert.deepEqual(membershipChanges(h, 'add'), []);
}

describe('approvals of a group with step-up need a fresh sign-in at the identity provider', { concurrency: 3 }, () => {
  test('the approval is recorded only once the approver signs in as themselves, with who signed in and when; its sign-in is good once', async (t) => {
    const { h, idp } = await stepUpWorld(t);
    const { workflowId, link } = await clickApprove(h, h.approver);
    await assertNothingDecided(h, workflowId);

    const browser = new SignInBrowser();
    let callbackUrl = '';
    const page = await browser.visit(link, { email: h.approver.email, password: passwordOf(h.approver) }, (next) => {
      if (next.pathname === '/step-up/callback') callbackUrl = next.href;
      if (next.pathname === '/auth') {
        assert.equal(next.searchParams.get('prompt'), 'login', 'the provider is asked for a new sign-in');
        assert.equal(next.searchParams.get('code_challenge_method'), 'S256');
        assert.equal(next.searchParams.get('login_hint'), h.approver.email);
      }
      return true;
    });
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /your approval was recorded/);
    assert.deepEqual(
      idp.signIns.map((s) => s.email),
      [h.approver.email],
    );

    const state = await h.grants.state(workflowId);
    assert.notEqual(state.status, 'PENDING_APPROVAL');
    const [approval] = state.approvals;
    assert.equal(approval?.bySlackUserId, h.approver.slackUserId);
    assert.equal(approval?.stepUp?.email, h.approver.email);
    assert.equal(approval?.stepUp?.issuer, idp.issuer);
    assert.ok(Date.now() - Date.parse(approval?.stepUp?.authTime ?? '') < 120_000, 'signed in just now');
    // What an auditor reads in the Web UI: the grant's current details.
    const metadata = await h.client.workflow
      .getHandle(workflowId)
      .query<{ currentDetails: string }>('__temporal_workflow_metadata');
    assert.match(
      metadata.currentDetails,
      new RegExp(`Approved by \\| ${h.approver.slackUserId} at \\S+ \\(signed in as ${h.approver.email} at `),
    );

    const replay = await fetch(callbackUrl);
    assert.equal(replay.status, 400, 'the same return from the provider a second time');
    assert.match(await replay.text(), /already used/);
    assert.equal((await h.grants.state(workflowId)).approvals.length, 1);
  });

  test('signing in as someone else, or not at all, approves nothing; the link expires unused', async (t) => {
    const { h } = await stepUpWorld(t, { maxAgeSeconds: 3 });
    const { workflowId, link } = await clickApprove(h, h.approver);
    const page = await new SignInBrowser().visit(link, { email: h.outsider.email, password: passwordOf(h.outsider) });
    assert.equal(page.status, 403, page.body);
    assert.match(page.body, new RegExp(`signed in as ${h.outsider.email}`));
    await h.slack.waitFor(
      'the refusal in Slack',
      () =>
        h.ephemeralsFor(h.approver).find((m) => /Your approval was not recorded: You signed in as/.test(m.text ?? '')),
      20_000,
    );
    await assertNothingDecided(h, workflowId);

    // A second click, never signed in: nothing happens, and after the max age the link leads nowhere.
    const second = await clickApprove(h, h.secondApprover);
    await sleep(3_500);
    const late = await new SignInBrowser().visit(second.link, {
      email: h.secondApprover.email,
      password: passwordOf(h.secondApprover),
    });
    assert.equal(late.status, 404);
    assert.match(late.body, /expired or was already used/);
    await assertNothingDecided(h, second.workflowId);
  });

  test('a sign-in finished after the max age, or a code the provider issued to another app, approves nothing', async (t) => {
    const { h, idp } = await stepUpWorld(t, { maxAgeSeconds: 3, otherClient: true });
    const { workflowId, link } = await clickApprove(h, h.approver);
    const credentials = { email: h.approver.email, password: passwordOf(h.approver) };
    // Opened in time, the provider's answer held back until the max age has passed.
    let held = '';
    await new SignInBrowser().visit(link, credentials, (next) => {
      if (next.pathname !== '/step-up/callback') return true;
      held = next.href;
      return false;
    });
    await sleep(3_500);
    const late = await fetch(held);
    assert.equal(late.status, 400);
    assert.match(await late.text(), /came after its 3s had passed/);
    await assertNothingDecided(h, workflowId);

    // The gateway's state, carried into a sign-in for another app registered at the same provider.
    const again = await clickApprove(h, h.secondApprover);
    const browser = new SignInBrowser();
    let authorize: URL | undefined;
    await browser.visit(again.link, credentials, (next) => {
      if (!next.pathname.startsWith('/auth')) return true;
      authorize = next;
      return false;
    });
    assert.ok(authorize);
    authorize.searchParams.set('client_id', 'other-app');
    authorize.searchParams.set('login_hint', h.secondApprover.email);
    const page = await browser.visit(authorize.href, {
      email: h.secondApprover.email,
      password: passwordOf(h.secondApprover),
    });
    assert.equal(page.status, 400, page.body);
    assert.match(page.body, /did not verify/);
    assert.ok(idp.signIns.length >= 2, 'the person did sign in, at the other app');
    await assertNothingDecided(h, again.workflowId);
  });

  test('break-glass in a group with step-up starts only once the requester signs in, and the grant records the sign-in', async (t) => {
    const { h } = await stepUpWorld(t, { breakGlass: true });
    const form = await h.openRequestForm();
    const ack = await h.submitRequest(form, {
      justification: 'Production database is down, INC-911',
      durationSeconds: 600,
      breakGlass: true,
    });
    assert.equal(ack.status, 200, ack.body);
    const asked = await h.slack.waitFor(
      'the sign-in link in a DM',
      () => h.slack.dms(h.requester.slackUserId).find((m) => /Sign in to take break-glass access/.test(m.text ?? '')),
      20_000,
    );
    assert.deepEqual(await h.startedWorkflows(), [], 'nothing starts before the sign-in');
    const link = /<(http[^|>]+)\|Sign in to take break-glass access>/.exec(asked.text ?? '')?.[1];
    assert.ok(link);

    const page = await new SignInBrowser().visit(link, {
      email: h.requester.email,
      password: passwordOf(h.requester),
    });
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /is being granted now, without approval/);
    const workflowId = grantWorkflowId(h.requester.jumpcloudUserId, h.group.id);
    await h.slack.waitFor('the membership', () =>
      h.jumpcloud.isMember(h.group.id, h.requester.jumpcloudUserId) ? true : undefined,
    );
    const state = await h.grants.state(workflowId);
    assert.equal(state.breakGlassStepUp?.email, h.requester.email);
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'step-up-break-glass-cleanup');
  });

  test('when Slack cannot say who clicked at the return, nothing is recorded and the browser is told to try again (503, not 500)', async (t) => {
    const { h } = await stepUpWorld(t);
    const { workflowId, link } = await clickApprove(h, h.approver);
    const page = await new SignInBrowser().visit(
      link,
      { email: h.approver.email, password: passwordOf(h.approver) },
      (next) => {
        // Slack fails from the moment the provider sends the browser back.
        if (next.pathname === '/step-up/callback')
          h.slack.faults.add({ kind: 'status', status: 500, match: { method: 'users.info' } });
        return true;
      },
    );
    assert.equal(page.status, 503, page.body);
    assert.match(page.body, /try again in a minute/);
    await assertNothingDecided(h, workflowId);
  });
});
