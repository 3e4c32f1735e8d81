/*
 * The sandbox page: a small Slack client for the Slack stand-in, a live view of the JumpCloud stand-in, and the
 * grants as Temporal lists them. Everything it shows comes from the stand-ins and the sandbox; everything it does goes
 * through the Slack stand-in, so the gateway receives exactly what Slack would send.
 */

import {
  APP_CONVERSATION,
  renderConversationHeader,
  renderMessages,
  renderSidebar,
  setUpComposer,
} from './conversations.js';
import { h, toast } from './dom.js';
import { renderModal } from './modal.js';
import { renderSidePanel, tickCountdowns } from './side-panel.js';
import { getJson } from './stand-in-http.js';
import { renderConnection, renderWho, setUpTopBar } from './top-bar.js';

/**
 * @import {
 *   JumpCloudState, MembershipChange, PageGrant, PageState, SandboxPageConfig, SlackState,
 * } from './types.js'
 */

const REMEMBERED_PERSON_KEY = `jit-sandbox:${location.host}:me`;
/** How often the grants are re-read unprompted: some changes (a request timing out, say) come with no event. */
const GRANTS_POLL_MS = 1000;

/** @param {unknown} error */
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

function rememberedPerson() {
  try {
    const value = JSON.parse(localStorage.getItem(REMEMBERED_PERSON_KEY) || 'null');
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} slackUserId */
function rememberPerson(slackUserId) {
  try {
    localStorage.setItem(REMEMBERED_PERSON_KEY, JSON.stringify(slackUserId));
  } catch {
    // Private windows may refuse storage; the page still works, it just forgets on reload.
  }
}

/**
 * Runs `read` now or, while a read is under way, once more right after it: a burst of change events costs at most
 * two reads. `read` handles its own failures.
 * @param {() => Promise<void>} read
 */
function coalesced(read) {
  /** @type {Promise<void> | undefined} */
  let running;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = read().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return {
    run,
    get busy() {
      return running !== undefined;
    },
  };
}

/** @param {PageState} page */
function render(page) {
  if (!page.slack) return;
  renderWho(page);
  renderSidebar(page, (conversation) => {
    page.conversation = conversation;
    render(page);
  });
  renderConversationHeader(page);
  renderMessages(page);
  renderModal(page);
  renderSidePanel(page);
  renderConnection(page);
}

/**
 * @param {PageState} page
 * @param {SlackState} snapshot
 */
function applySlack(page, snapshot) {
  const versions = new Map(snapshot.messages.map((m) => [`${m.channel}/${m.ts}`, m.updates]));
  if (page.messageVersions) {
    for (const [key, updates] of versions) {
      if (page.messageVersions.get(key) !== updates) page.freshMessages.set(key, Date.now() + 2500);
    }
  }
  page.messageVersions = versions;
  page.slack = snapshot;
  render(page);
}

/**
 * @param {PageState} page
 * @param {MembershipChange} change
 */
function applyMembershipChange(page, change) {
  if (!page.jumpcloud) return;
  const others = page.jumpcloud.memberships.filter(
    (m) => !(m.groupId === change.groupId && m.userId === change.userId),
  );
  page.jumpcloud.memberships =
    change.type === 'member-added' ? [...others, { groupId: change.groupId, userId: change.userId }] : others;
  if (change.type === 'member-added') page.freshMembers.set(`${change.groupId}/${change.userId}`, Date.now() + 3000);
  page.activity.unshift(change);
  render(page);
}

/**
 * The grants panel's only source: Temporal's list, through the sandbox. A failed read keeps the last list and says why.
 * @param {PageState} page
 */
function grantsReader(page) {
  return coalesced(async () => {
    try {
      const { grants } = /** @type {{ grants: PageGrant[] }} */ (await getJson('/_page/grants'));
      page.grants = grants;
      page.grantsProblem = undefined;
    } catch (error) {
      page.grantsProblem = errorText(error);
    }
    renderSidePanel(page);
  });
}

/**
 * @param {PageState} page
 * @param {() => void} changed called on every change event, after the page asked for the new state
 */
function connectSlack(page, changed) {
  const refresh = coalesced(async () => {
    try {
      applySlack(page, /** @type {SlackState} */ (await getJson('/_control/state')));
    } catch (error) {
      toast(`Could not read the Slack stand-in: ${errorText(error)}`);
    }
  });
  const events = new EventSource('/_control/events');
  events.addEventListener('snapshot', (event) => applySlack(page, JSON.parse(event.data)));
  events.onmessage = () => {
    refresh.run();
    changed();
  };
  events.onopen = () => {
    page.slackLive = true;
    renderConnection(page);
  };
  events.onerror = () => {
    page.slackLive = false;
    renderConnection(page);
  };
}

/**
 * @param {PageState} page
 * @param {() => void} changed called on every membership change
 */
function connectJumpCloud(page, changed) {
  const events = new EventSource(`${page.config.jumpcloudOrigin}/_control/events`);
  events.addEventListener('snapshot', (event) => {
    page.jumpcloud = /** @type {JumpCloudState} */ (JSON.parse(event.data));
    render(page);
  });
  events.onmessage = (event) => {
    applyMembershipChange(page, JSON.parse(event.data));
    changed();
  };
  events.onopen = () => {
    page.jumpcloudLive = true;
    renderConnection(page);
  };
  events.onerror = () => {
    page.jumpcloudLive = false;
    renderConnection(page);
  };
}

/**
 * @param {SandboxPageConfig} config
 * @returns {PageState}
 */
function initialState(config) {
  const params = new URLSearchParams(location.search);
  const wanted = params.get('as') || rememberedPerson();
  const channel = params.get('channel');
  return {
    config,
    me: wanted && config.people.some((p) => p.slackUserId === wanted) ? wanted : config.people[0].slackUserId,
    conversation:
      channel && (config.channels.some((c) => c.id === channel) || channel === APP_CONVERSATION)
        ? channel
        : config.channels[0].id,
    drafts: new Map(),
    clientErrors: new Map(),
    freshMessages: new Map(),
    freshMembers: new Map(),
    read: new Map(),
    activity: [],
    slackLive: false,
    jumpcloudLive: false,
    rendered: { modal: '', messages: '', conversation: '', sidePanel: '' },
  };
}

async function boot() {
  /** @type {SandboxPageConfig} */
  let config;
  try {
    config = /** @type {SandboxPageConfig} */ (await getJson('/_page/config'));
  } catch (error) {
    document.body.replaceChildren(
      h('p', { class: 'empty', text: `This page needs the sandbox (npm start): ${errorText(error)}` }),
    );
    return;
  }
  const page = initialState(config);
  setUpTopBar(page, (slackUserId) => {
    page.me = slackUserId;
    rememberPerson(slackUserId);
    render(page);
  });
  setUpComposer(page);
  renderSidePanel(page);

  const grants = grantsReader(page);
  connectSlack(page, grants.run);
  connectJumpCloud(page, grants.run);
  grants.run();
  setInterval(() => {
    if (!grants.busy) grants.run();
  }, GRANTS_POLL_MS);
  setInterval(tickCountdowns, 1000);
}

void boot();
