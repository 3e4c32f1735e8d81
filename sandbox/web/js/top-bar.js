/*
 * The top bar: the workspace, who the page acts as (and what they may do), the link to the Temporal Web UI, and
 * whether both stand-ins' live feeds are connected.
 */

import { byId, byIdAs, h } from './dom.js';
import { person } from './names.js';

/** @import { PagePerson, PageState } from './types.js' */

/** @param {PagePerson} p */
function roleText(p) {
  if (!p.jumpcloudUserId) return 'no JumpCloud account';
  return p.roles.includes('approver') ? 'approver' : 'requester';
}

/**
 * Fills in what never changes while the page is open.
 * @param {PageState} page
 * @param {(slackUserId: string) => void} actAs switches the page to that person
 */
export function setUpTopBar(page, actAs) {
  const { config } = page;
  document.title = `${config.workspaceName} · JIT access`;
  byId('workspace-name').textContent = config.workspaceName;
  byIdAs('temporal-ui-link', 'a').href =
    `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows`;

  const select = byIdAs('who', 'select');
  /** @type {Array<[string, PagePerson[]]>} */
  const groups = [
    ['Requesters', config.people.filter((p) => !p.roles.includes('approver'))],
    ['Approvers', config.people.filter((p) => p.roles.includes('approver'))],
  ];
  select.replaceChildren(
    ...groups.map(([label, people]) =>
      h(
        'optgroup',
        { label },
        people.map((p) => h('option', { value: p.slackUserId, text: `${p.realName} · ${roleText(p)}` })),
      ),
    ),
  );
  select.value = page.me;
  select.addEventListener('change', () => actAs(select.value));
}

/** @param {PageState} page */
export function renderWho(page) {
  byIdAs('who', 'select').value = page.me;
  const me = person(page, page.me);
  if (!me) return;
  const chips = [];
  if (!me.jumpcloudUserId) chips.push(h('span', { class: 'role-chip none', text: 'no JumpCloud account' }));
  if (me.roles.includes('guest')) chips.push(h('span', { class: 'role-chip none', text: 'Slack guest' }));
  if (me.roles.includes('requester')) chips.push(h('span', { class: 'role-chip', text: 'requester' }));
  if (me.roles.includes('approver'))
    chips.push(h('span', { class: 'role-chip approver', text: `approves ${me.approves.join(', ')}` }));
  chips.push(h('span', { class: 'role-chip title', text: me.title }));
  byId('who-roles').replaceChildren(...chips);
}

/** @param {PageState} page */
export function renderConnection(page) {
  const node = byId('connection');
  const live = page.slackLive && page.jumpcloudLive;
  node.textContent = live ? 'live' : 'reconnecting…';
  node.className = `connection ${live ? 'live' : 'down'}`;
  byId('jumpcloud-live').className = `live-dot${page.jumpcloudLive ? ' live' : ''}`;
}
