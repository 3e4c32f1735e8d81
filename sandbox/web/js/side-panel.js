/*
 * The side panel: JumpCloud's groups and members as the JumpCloud stand-in has them, the grants as Temporal lists
 * them (`GET /_page/grants`), each grant's audit records as the audit stand-ins hold them (the same read), and the
 * membership changes seen since the page opened.
 */

import { avatar, byId, clockTime, h } from './dom.js';
import { control } from './stand-in-http.js';
import { groupName, jumpcloudName, person, slackName } from './names.js';

/** @import { GrantStatus, JumpCloudState, PageGrant, PageState } from './types.js' */

/**
 * A member holds the group through a grant while the grant is in one of these.
 * @type {ReadonlySet<GrantStatus>}
 */
const HOLDING = new Set(['APPROVED', 'ACTIVE']);

/** @param {number} expiresAt ms */
function countdownText(expiresAt) {
  const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
  const minutes = Math.floor(left / 60);
  return left > 0 ? `ends in ${minutes > 0 ? `${minutes}m ` : ''}${left % 60}s` : 'ending…';
}

/** Once a second, so the countdowns move between renders. */
export function tickCountdowns() {
  for (const node of document.querySelectorAll('.countdown[data-expires-at]')) {
    if (node instanceof HTMLElement) node.textContent = countdownText(Number(node.dataset.expiresAt));
  }
}

/** Who the page's "by hand" changes are made by, as Directory Insights will name them. */
const CONSOLE_ADMIN = { id: '5f00000000000000000000e1', email: 'it-admin@example.com', clientIp: '198.51.100.20' };

/**
 * A button that adds the page's person to a JIT group as an administrator would in the JumpCloud console: the
 * reconciler reads the change from Directory Insights and alerts #jit-security within seconds, naming the admin.
 * @param {PageState} page
 * @param {string} groupId
 * @param {string} userId
 */
function addByHandButton(page, groupId, userId) {
  return h('button', {
    class: 'by-hand',
    type: 'button',
    text: 'Add me by hand, as an admin',
    title: `as ${CONSOLE_ADMIN.email} in the JumpCloud console, outside JIT access`,
    onclick: () =>
      void control(`${page.config.jumpcloudOrigin}/_control/memberships`, {
        groupId,
        userId,
        member: true,
        by: CONSOLE_ADMIN,
      }),
  });
}

/**
 * @param {PageState} page
 * @param {JumpCloudState} jumpcloud
 */
function renderGroups(page, jumpcloud) {
  const { config } = page;
  const me = person(page, page.me);
  const grants = page.grants || [];
  const jitOrder = config.jitGroups.map((g) => g.id);
  const rank = (/** @type {{ id: string }} */ g) =>
    jitOrder.includes(g.id) ? jitOrder.indexOf(g.id) : jitOrder.length;
  const groups = [...jumpcloud.groups].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return groups.map((group) => {
    const jit = config.jitGroups.find((g) => g.id === group.id);
    const members = jumpcloud.memberships.filter((m) => m.groupId === group.id);
    return h(
      'div',
      { class: 'group-card', dataset: { groupId: group.id } },
      h(
        'div',
        { class: 'group-title' },
        h('span', { text: group.name }),
        h('span', {
          class: `group-kind${jit ? '' : ' standing'}`,
          text: jit ? `JIT · up to ${jit.maxDuration}` : 'standing only',
        }),
      ),
      group.description && h('div', { class: 'group-description', title: group.description, text: group.description }),
      jit &&
        me?.jumpcloudUserId &&
        !members.some((m) => m.userId === me.jumpcloudUserId) &&
        addByHandButton(page, group.id, me.jumpcloudUserId),
      members.length === 0
        ? h('div', { class: 'no-members', text: 'no members' })
        : h(
            'ul',
            { class: 'members' },
            members.map((m) => {
              const fresh = (page.freshMembers.get(`${m.groupId}/${m.userId}`) || 0) > Date.now();
              const name = jumpcloudName(page, m.userId);
              const itsMe = me?.jumpcloudUserId === m.userId;
              const granted = grants.some(
                (g) => g.groupId === m.groupId && g.jumpcloudUserId === m.userId && HOLDING.has(g.status),
              );
              return h(
                'li',
                {
                  class: `member${itsMe ? ' me' : ''}${granted ? ' granted' : ''}${fresh ? ' fresh' : ''}`,
                  title: granted ? 'granted just in time; removed at expiry' : 'standing membership',
                  dataset: { groupId: m.groupId, userId: m.userId },
                },
                avatar(name, m.userId, true),
                h('span', { class: 'member-name', text: itsMe ? `${name} (you)` : name }),
                granted && h('span', { class: 'member-note', text: 'JIT' }),
              );
            }),
          ),
    );
  });
}

/**
 * @param {PageState} page
 * @param {PageGrant} grant
 */
function renderGrant(page, grant) {
  const { workflowId, runId, status } = grant;
  const expiresAt = grant.expiresAt ? Date.parse(grant.expiresAt) : NaN;
  const statusWords = status.toLowerCase().replace(/_/g, ' ');
  return h(
    'li',
    { class: 'grant', dataset: { workflowId, runId, status } },
    h(
      'div',
      { class: 'grant-line' },
      h('span', {
        class: 'grant-title',
        text: `${slackName(page, grant.requesterSlackUserId)} → ${groupName(page, grant.groupId)}`,
      }),
      h('span', { class: `status-chip ${statusWords.replace(/ /g, '-')}`, text: statusWords }),
    ),
    status === 'ACTIVE' &&
      Number.isFinite(expiresAt) &&
      h('div', { class: 'countdown', dataset: { expiresAt: String(expiresAt) }, text: countdownText(expiresAt) }),
    h('div', { class: 'grant-id', title: `${workflowId}/${runId}`, text: workflowId }),
    h('a', {
      class: 'temporal-link',
      // Only a web address becomes a link, whatever the list answered.
      href: /^https?:\/\//i.test(grant.temporalUrl) ? grant.temporalUrl : undefined,
      target: '_blank',
      rel: 'noopener noreferrer',
      dataset: { workflowId, runId },
      text: 'Open in Temporal Web UI ↗',
    }),
  );
}

/** @param {PageState} page */
function renderGrantList(page) {
  const problem = page.grantsProblem
    ? [h('li', { class: 'panel-empty panel-problem', text: `Could not read the grants: ${page.grantsProblem}` })]
    : [];
  if (!page.grants) {
    return problem.length > 0
      ? problem
      : [h('li', { class: 'panel-empty', text: 'Reading the grants from Temporal…' })];
  }
  if (page.grants.length === 0) {
    const hint = `No grants yet. Request one with ${page.config.slashCommand}.`;
    return [...problem, h('li', { class: 'panel-empty', text: hint })];
  }
  return [...problem, ...page.grants.map((grant) => renderGrant(page, grant))];
}

/**
 * One sink's line: its name, the record people quote (or 'nothing yet'), its status and a detail.
 * @param {string} sink
 * @param {string} name
 * @param {{ ref: string, status?: string, detail?: string, title?: string } | undefined} record
 */
function auditLine(sink, name, record) {
  return h(
    'div',
    { class: 'audit-line', dataset: { sink } },
    h('span', { class: 'audit-sink', text: name }),
    record
      ? [
          h('span', { class: 'audit-ref', title: record.title, text: record.ref }),
          record.detail && h('span', { class: 'audit-detail', title: record.title, text: record.detail }),
          record.status &&
            h('span', {
              class: `status-chip ${record.status.toLowerCase().replace(/[\s_]+/g, '-')}`,
              text: record.status.toLowerCase().replace(/_/g, ' '),
            }),
        ]
      : h('span', { class: 'audit-detail none', text: 'nothing yet' }),
  );
}

/**
 * @param {PageState} page
 * @param {PageGrant} grant
 */
function renderAuditRecord(page, grant) {
  const { workflowId, runId } = grant;
  const { serviceNow, jira, webhookEvents } = grant.audit;
  const kinds = webhookEvents.map((type) => type.replace(/^grant\./, ''));
  return h(
    'li',
    { class: 'audit-record', dataset: { workflowId, runId } },
    h('div', {
      class: 'grant-title',
      text: `${slackName(page, grant.requesterSlackUserId)} → ${groupName(page, grant.groupId)}`,
    }),
    auditLine('servicenow', 'ServiceNow', serviceNow && { ref: serviceNow.number, status: serviceNow.status }),
    auditLine(
      'jira',
      'Jira',
      jira && {
        ref: jira.key,
        status: jira.status,
        detail: `${jira.comments} ${jira.comments === 1 ? 'comment' : 'comments'}`,
      },
    ),
    auditLine(
      'webhook',
      'Webhook',
      webhookEvents.length > 0
        ? {
            ref: `${webhookEvents.length} ${webhookEvents.length === 1 ? 'event' : 'events'}`,
            detail: kinds.join(', '),
            title: webhookEvents.join('\n'),
          }
        : undefined,
    ),
  );
}

/** @param {PageState} page */
function renderAuditList(page) {
  if (!page.grants || page.grants.length === 0) {
    const hint = "Each grant's ServiceNow record, Jira issue and webhook events show up here.";
    return [h('li', { class: 'panel-empty', text: hint })];
  }
  return page.grants.map((grant) => renderAuditRecord(page, grant));
}

/** @param {PageState} page */
function renderActivity(page) {
  if (page.activity.length === 0)
    return [h('li', { class: 'panel-empty', text: 'Added and removed memberships show up here.' })];
  return page.activity.slice(0, 10).map((change) =>
    h(
      'li',
      {},
      h('span', { class: 'activity-time', text: clockTime(new Date(change.at), true) }),
      h('span', {
        class: change.type === 'member-added' ? 'added' : 'removed',
        text: change.type === 'member-added' ? '+' : '−',
      }),
      h('span', {
        text: `${jumpcloudName(page, change.userId)} ${change.type === 'member-added' ? 'added to' : 'removed from'} ${groupName(page, change.groupId)}`,
      }),
    ),
  );
}

/**
 * Re-renders only when something it shows changed, so hovering and clicking in the panel survive the polling.
 * @param {PageState} page
 */
export function renderSidePanel(page) {
  const { jumpcloud } = page;
  const key = JSON.stringify([
    page.me,
    jumpcloud,
    page.grants,
    page.grantsProblem,
    page.activity.length,
    page.slack ? page.slack.users.length : 0,
  ]);
  if (key === page.rendered.sidePanel) return;
  page.rendered.sidePanel = key;
  byId('groups').replaceChildren(...(jumpcloud ? renderGroups(page, jumpcloud) : []));
  byId('grants').replaceChildren(...renderGrantList(page));
  byId('audit-records').replaceChildren(...renderAuditList(page));
  byId('activity').replaceChildren(...renderActivity(page));
}
