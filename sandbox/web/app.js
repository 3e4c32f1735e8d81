/*
 * The sandbox page: a small Slack client for the Slack stand-in, plus a live view of the JumpCloud stand-in.
 * Everything it shows comes from the stand-ins' control routes; everything it does goes through them, so the gateway
 * receives exactly what Slack would send. Text from the outside only ever enters the page through textContent.
 */
'use strict';

(function sandboxPage() {
  /** A grant's button value: its workflow ID (`jit-grant-<user>-<group>`), and since the buttons pin a run, `/<runId>`. */
  const GRANT_REF = /^(jit-grant-([0-9a-f]{24})-([0-9a-f]{24}))(?:\/([0-9a-f-]{36}))?$/;
  const STORAGE_PREFIX = `jit-sandbox:${location.host}:`;
  const APP_CONVERSATION = '@app';

  const EMOJI = {
    white_check_mark: '✅',
    x: '❌',
    lock: '🔒',
    hourglass_flowing_sand: '⏳',
    alarm_clock: '⏰',
    leftwards_arrow_with_hook: '↩️',
    information_source: 'ℹ️',
    warning: '⚠️',
    outbox_tray: '📤',
    no_entry: '⛔',
    wave: '👋',
    tada: '🎉',
  };

  /** Status of a grant, read from the outcome line of its approval message. */
  const OUTCOME_BY_EMOJI = {
    hourglass_flowing_sand: 'pending',
    white_check_mark: 'active',
    lock: 'ended',
    x: 'rejected',
    alarm_clock: 'timed out',
    leftwards_arrow_with_hook: 'withdrawn',
    information_source: 'standing access',
    warning: 'failed',
  };

  const page = {
    config: undefined,
    slack: undefined,
    jumpcloud: undefined,
    me: undefined,
    conversation: undefined,
    /** viewId → { `${blockId}/${actionId}` → value }: what the user typed survives re-renders and inline errors */
    drafts: new Map(),
    /** viewId → { blockId → message }: the checks Slack's own client makes before it submits */
    clientErrors: new Map(),
    renderedModalKey: '',
    renderedMessagesKey: '',
    renderedConversation: '',
    renderedDirectoryKey: '',
    /** grant ref (`workflowId` or `workflowId/runId`) → first seen (ms), kept across reloads */
    grants: new Map(loadStored('grants', [])),
    /** `${channel}/${ts}` → grant ref: an approval message keeps its link after its buttons are gone */
    messageGrants: new Map(loadStored('message-grants', [])),
    /** `${channel}/${ts}` → update count, to flash new and changed messages */
    messageVersions: undefined,
    freshMessages: new Map(),
    freshMembers: new Map(),
    /** `${me}|${conversation}` → number of messages read */
    read: new Map(),
    activity: [],
    slackLive: false,
    jumpcloudLive: false,
  };

  // ---------------------------------------------------------------- helpers

  const byId = (id) => document.getElementById(id);

  /** Builds an element. Strings become text nodes; nothing is ever parsed as HTML. */
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = String(value);
      else if (key === 'dataset') {
        for (const [name, data] of Object.entries(value)) if (data !== undefined) node.dataset[name] = data;
      } else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function loadStored(key, fallback) {
    try {
      const value = JSON.parse(localStorage.getItem(STORAGE_PREFIX + key) || 'null');
      return value === null ? fallback : value;
    } catch {
      return fallback;
    }
  }

  function store(key, value) {
    try {
      localStorage.setItem(STORAGE_PREFIX + key, JSON.stringify(value));
    } catch {
      // Private windows may refuse storage; the page still works, it just forgets on reload.
    }
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
    return response.json();
  }

  /** POSTs to a Slack stand-in control route; answers { ok, body } where body is what the stand-in (or app) said. */
  async function control(path, payload) {
    try {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      const text = await response.text();
      let body;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = { message: text };
      }
      return { ok: response.ok, status: response.status, body };
    } catch (error) {
      return { ok: false, status: 0, body: { message: String(error) } };
    }
  }

  /** What Slack shows when the app did not acknowledge in time or answered an error. */
  function appProblem(result) {
    if (!result.ok) return (result.body && result.body.message) || `the stand-in answered HTTP ${result.status}`;
    const app = result.body;
    if (app && app.ackDeadlineMissed) return 'the app did not answer within 3 seconds (operation_timeout)';
    if (app && app.status !== 200)
      return `the app answered HTTP ${app.status}${app.body ? `: ${app.body.slice(0, 200)}` : ''}`;
    return undefined;
  }

  function toast(text) {
    const node = h('div', { class: 'toast', text });
    byId('toasts').append(node);
    setTimeout(() => node.remove(), 7000);
  }

  function initials(name) {
    return name
      .split(/\s+/)
      .map((part) => part.charAt(0))
      .join('')
      .slice(0, 2)
      .toUpperCase();
  }

  const AVATAR_COLORS = ['#4a7bd0', '#2e9e6a', '#c05a28', '#8e44ad', '#d0406b', '#1f8a9e', '#b8860b', '#5b6fa8'];

  /** The same person always gets the same colour (FNV-1a over the ID). */
  function avatarColor(seed) {
    let hash = 0x811c9dc5;
    for (const char of seed) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    return AVATAR_COLORS[hash % AVATAR_COLORS.length];
  }

  /** `seed` undefined = the app's own avatar. */
  function avatar(name, seed, small) {
    const node = h('span', {
      class: `avatar${small ? ' small' : ''}${seed ? '' : ' app'}`,
      'aria-hidden': 'true',
      text: initials(name),
    });
    if (seed) node.style.background = avatarColor(seed);
    return node;
  }

  function person(slackUserId) {
    return page.config.people.find((p) => p.slackUserId === slackUserId);
  }

  function slackName(slackUserId) {
    const known = person(slackUserId);
    if (known) return known.realName;
    const user = page.slack && page.slack.users.find((u) => u.id === slackUserId);
    return user ? user.realName || user.name : slackUserId;
  }

  function jumpcloudName(userId) {
    const known = page.config.people.find((p) => p.jumpcloudUserId === userId);
    if (known) return known.realName;
    const user = page.jumpcloud && page.jumpcloud.users.find((u) => u.id === userId);
    if (!user) return userId;
    return [user.firstname, user.lastname].filter(Boolean).join(' ') || user.username;
  }

  function groupName(groupId) {
    const group = page.jumpcloud && page.jumpcloud.groups.find((g) => g.id === groupId);
    if (group) return group.name;
    const jit = page.config.jitGroups.find((g) => g.id === groupId);
    return jit ? jit.name : groupId;
  }

  /** { workflowId, runId?, userId, groupId } of a grant ref */
  function parseRef(ref) {
    const match = GRANT_REF.exec(ref);
    return match && { workflowId: match[1], userId: match[2], groupId: match[3], runId: match[4] };
  }

  /** The run's page when the ref names one, else the workflow's (the UI shows its latest run). */
  function temporalUrl(ref) {
    const { temporalUiUrl, temporalNamespace } = page.config;
    const { workflowId, runId } = parseRef(ref);
    const run = runId ? `/${encodeURIComponent(runId)}` : '';
    return `${temporalUiUrl}/namespaces/${encodeURIComponent(temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}${run}`;
  }

  function knowsWorkflow(workflowId) {
    return [...page.grants.keys()].some((ref) => parseRef(ref).workflowId === workflowId);
  }

  function clockTime(date, withSeconds) {
    return date.toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
    });
  }

  // ---------------------------------------------------------------- mrkdwn

  function decodeEntities(text) {
    return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  function withEmoji(text) {
    return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
  }

  function leafText(raw) {
    return document.createTextNode(withEmoji(decodeEntities(raw)));
  }

  function relativeDay(date) {
    const startOf = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const days = Math.round((startOf(date) - startOf(new Date())) / 86_400_000);
    return { '-1': 'Yesterday', 0: 'Today', 1: 'Tomorrow' }[days];
  }

  /** `<!date^SECONDS^FORMAT|fallback>` in the reader's own time zone, as Slack renders it. */
  function slackDate(seconds, format) {
    const date = new Date(seconds * 1000);
    const tokens = {
      date_num: date.toLocaleDateString('en-CA'),
      date: date.toLocaleDateString([], { month: 'long', day: 'numeric', year: 'numeric' }),
      date_short: date.toLocaleDateString([], { month: 'short', day: 'numeric', year: 'numeric' }),
      date_long: date.toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
      time: clockTime(date, false),
      time_secs: clockTime(date, true),
    };
    tokens.date_pretty = relativeDay(date) || tokens.date;
    tokens.date_short_pretty = relativeDay(date) || tokens.date_short;
    tokens.date_long_pretty = relativeDay(date) || tokens.date_long;
    return format.replace(/\{(\w+)\}/g, (whole, name) => tokens[name] || whole);
  }

  /** One `<…>` control sequence: mentions, channels, dates, broadcasts, links. */
  function controlNode(inner) {
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? undefined : decodeEntities(inner.slice(bar + 1));
    if (target.startsWith('@')) return h('span', { class: 'mention', text: `@${label || slackName(target.slice(1))}` });
    if (target.startsWith('#')) {
      const channel = page.config.channels.find((c) => c.id === target.slice(1));
      return h('span', { class: 'mention', text: `#${label || (channel ? channel.name : target.slice(1))}` });
    }
    if (target.startsWith('!date^')) {
      const [, seconds, format = '{date_short_pretty} {time}'] = target.split('^');
      const value = Number(seconds);
      if (!Number.isFinite(value)) return document.createTextNode(label || '');
      const date = new Date(value * 1000);
      return h('time', {
        class: 'slack-date',
        datetime: date.toISOString(),
        title: date.toLocaleString(),
        text: slackDate(value, format),
      });
    }
    if (target.startsWith('!subteam^')) return h('span', { class: 'mention', text: `@${label || 'group'}` });
    if (target.startsWith('!')) return h('span', { class: 'mention broadcast', text: `@${target.slice(1)}` });
    const url = decodeEntities(target);
    if (/^(https?:|mailto:)/i.test(url)) {
      return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: label || url });
    }
    return document.createTextNode(`<${decodeEntities(inner)}>`);
  }

  const OPENERS = { '*': 'strong', _: 'em', '~': 's', '`': 'code' };
  const BEFORE_OPENER = /[\s([{"'>/-]/;
  const AFTER_CLOSER = /[\s)\]}.,;:!?"'/-]/;

  /** *bold*, _italic_, ~strike~ and `code`, only where Slack would see them (at word boundaries). */
  function appendFormatted(parent, text) {
    let plain = '';
    const flush = () => {
      if (plain) parent.append(leafText(plain));
      plain = '';
    };
    for (let i = 0; i < text.length; i += 1) {
      const char = text[i];
      const tag = OPENERS[char];
      const opens =
        tag && (i === 0 || BEFORE_OPENER.test(text[i - 1])) && text[i + 1] !== undefined && !/\s/.test(text[i + 1]);
      if (opens) {
        let close = text.indexOf(char, i + 1);
        while (
          close !== -1 &&
          (/\s/.test(text[close - 1]) || (close + 1 < text.length && !AFTER_CLOSER.test(text[close + 1])))
        ) {
          close = text.indexOf(char, close + 1);
        }
        if (close > i + 1) {
          flush();
          const inner = text.slice(i + 1, close);
          const node = h(tag);
          if (tag === 'code') node.append(document.createTextNode(decodeEntities(inner)));
          else appendFormatted(node, inner);
          parent.append(node);
          i = close;
          continue;
        }
      }
      plain += char;
    }
    flush();
  }

  function appendInline(parent, text) {
    let last = 0;
    for (const match of text.matchAll(/<([^<>]*)>/g)) {
      appendFormatted(parent, text.slice(last, match.index));
      parent.append(controlNode(match[1]));
      last = match.index + match[0].length;
    }
    appendFormatted(parent, text.slice(last));
  }

  /**
   * Slack mrkdwn as DOM. A line starting with a raw `>` is a quote: user text reaches us escaped (`&gt;`), so only the
   * app's own markup can start one.
   */
  function mrkdwn(text) {
    const container = h('div', { class: 'mrkdwn' });
    let group;
    let groupIsQuote;
    for (const line of String(text).split('\n')) {
      const isQuote = line.startsWith('>');
      if (!group || groupIsQuote !== isQuote) {
        group = isQuote ? h('blockquote') : h('div');
        groupIsQuote = isQuote;
        container.append(group);
      } else {
        group.append(h('br'));
      }
      appendInline(group, isQuote ? line.slice(1) : line);
    }
    return container;
  }

  function plainText(textObject) {
    if (!textObject) return '';
    return textObject.emoji === false ? textObject.text : withEmoji(String(textObject.text || ''));
  }

  function textObjectNode(textObject) {
    if (!textObject) return document.createTextNode('');
    if (textObject.type === 'mrkdwn') return mrkdwn(textObject.text || '');
    return h('span', { text: plainText(textObject) });
  }

  // ---------------------------------------------------------------- Block Kit

  /** `where` is { message } or { view }: where a click comes from. */
  function renderBlocks(blocks, where) {
    return (blocks || []).map((block) => renderBlock(block, where));
  }

  function renderBlock(block, where) {
    switch (block.type) {
      case 'section':
        return h(
          'div',
          { class: 'block block-section' },
          block.text && textObjectNode(block.text),
          block.fields && h('div', { class: 'block-fields' }, block.fields.map(textObjectNode)),
          block.accessory &&
            block.accessory.type === 'button' &&
            h('div', { class: 'block-actions' }, renderButton(block.accessory, block.block_id, where)),
        );
      case 'context':
        return h(
          'div',
          { class: 'block block-context' },
          (block.elements || []).map((element) =>
            element.type === 'image' ? h('span', { text: element.alt_text || '' }) : textObjectNode(element),
          ),
        );
      case 'actions':
        return h(
          'div',
          { class: 'block block-actions' },
          (block.elements || []).map((element) =>
            element.type === 'button'
              ? renderButton(element, block.block_id, where)
              : h('span', { class: 'unsupported', text: `[${element.type}]` }),
          ),
        );
      case 'header':
        return h('div', { class: 'block block-header', text: plainText(block.text) });
      case 'divider':
        return h('hr', { class: 'block-divider' });
      case 'input':
        return where.view ? renderInput(block, where.view) : h('div', { class: 'unsupported', text: '[input block]' });
      default:
        return h('div', { class: 'block unsupported', text: `[${block.type} block]` });
    }
  }

  function renderButton(element, blockId, where) {
    const button = h('button', {
      type: 'button',
      class: `sl-button${element.style ? ` ${element.style}` : ''}`,
      dataset: { actionId: element.action_id || '' },
      text: plainText(element.text),
    });
    button.addEventListener('click', async () => {
      if (element.confirm && !(await confirmDialog(element.confirm))) return;
      button.disabled = true;
      const action = { action_id: element.action_id, block_id: blockId, value: element.value, type: 'button' };
      const target = where.view ? { viewId: where.view.id } : { channel: where.message.channel, ts: where.message.ts };
      const result = await control('/_control/block-actions', { userId: page.me, actions: [action], ...target });
      button.disabled = false;
      const problem = appProblem(result);
      if (problem) toast(`That didn't work: ${problem}`);
    });
    return button;
  }

  /** Slack's confirmation dialog for a button with `confirm`; resolves true when confirmed. */
  function confirmDialog(confirm) {
    const dialog = byId('confirm-dialog');
    return new Promise((resolve) => {
      const finish = (confirmed) => {
        dialog.removeEventListener('cancel', onCancel);
        dialog.close();
        resolve(confirmed);
      };
      const onCancel = (event) => {
        event.preventDefault();
        finish(false);
      };
      dialog.addEventListener('cancel', onCancel);
      dialog.replaceChildren(
        h('h2', { id: 'confirm-title', text: plainText(confirm.title) || 'Are you sure?' }),
        h('div', { class: 'confirm-text' }, textObjectNode(confirm.text)),
        h(
          'div',
          { class: 'confirm-buttons' },
          h('button', {
            type: 'button',
            class: 'sl-button',
            text: plainText(confirm.deny) || 'Cancel',
            onclick: () => finish(false),
          }),
          h('button', {
            type: 'button',
            class: `sl-button ${confirm.style === 'danger' ? 'danger filled' : 'primary'}`,
            text: plainText(confirm.confirm) || 'Yes',
            onclick: () => finish(true),
          }),
        ),
      );
      dialog.showModal();
    });
  }

  // ---------------------------------------------------------------- modal

  function openView() {
    if (!page.slack) return undefined;
    return page.slack.views.filter((v) => v.userId === page.me && v.closedAt === undefined).at(-1);
  }

  function draftsOf(viewId) {
    if (!page.drafts.has(viewId)) page.drafts.set(viewId, {});
    return page.drafts.get(viewId);
  }

  function renderInput(block, opened) {
    const element = block.element || {};
    const key = `${block.block_id}/${element.action_id}`;
    const drafts = draftsOf(opened.id);
    const controlId = `input-${opened.id}-${block.block_id}`;
    const error = (page.clientErrors.get(opened.id) || {})[block.block_id] || (opened.errors || {})[block.block_id];
    let field;
    if (element.type === 'static_select') {
      field = h(
        'select',
        { id: controlId, name: key },
        h('option', { value: '', disabled: true, text: plainText(element.placeholder) || 'Select an item' }),
      );
      const options = element.options || (element.option_groups || []).flatMap((group) => group.options || []);
      for (const option of options) field.append(h('option', { value: option.value, text: plainText(option.text) }));
      const initial = element.initial_option ? element.initial_option.value : '';
      field.value = drafts[key] !== undefined ? drafts[key] : initial;
      field.addEventListener('change', () => {
        drafts[key] = field.value;
      });
    } else if (element.type === 'plain_text_input') {
      field = h(element.multiline ? 'textarea' : 'input', {
        id: controlId,
        name: key,
        placeholder: element.placeholder ? plainText(element.placeholder) : undefined,
        maxlength: element.max_length,
      });
      field.value = drafts[key] !== undefined ? drafts[key] : element.initial_value || '';
      field.addEventListener('input', () => {
        drafts[key] = field.value;
      });
    } else {
      field = h('div', { class: 'unsupported', text: `[${element.type} element]` });
    }
    return h(
      'div',
      { class: `input-block${error ? ' has-error' : ''}`, dataset: { blockId: block.block_id } },
      h(
        'label',
        { for: controlId },
        plainText(block.label),
        block.optional && h('span', { class: 'optional', text: ' (optional)' }),
      ),
      field,
      block.hint && h('div', { class: 'input-hint', text: plainText(block.hint) }),
      error && h('div', { class: 'input-error', role: 'alert', text: error }),
    );
  }

  /** The state.values Slack would send, and the errors Slack's own client shows before sending anything. */
  function collectValues(opened) {
    const drafts = draftsOf(opened.id);
    const values = {};
    const errors = {};
    for (const block of opened.view.blocks || []) {
      if (block.type !== 'input' || !block.element) continue;
      const element = block.element;
      const raw = drafts[`${block.block_id}/${element.action_id}`];
      let value;
      if (element.type === 'static_select') {
        const options = element.options || (element.option_groups || []).flatMap((group) => group.options || []);
        const chosen = options.find(
          (o) => o.value === (raw !== undefined ? raw : element.initial_option && element.initial_option.value),
        );
        value = { type: 'static_select', selected_option: chosen ? { text: chosen.text, value: chosen.value } : null };
        if (!chosen && !block.optional) errors[block.block_id] = 'Please complete this required field.';
      } else if (element.type === 'plain_text_input') {
        const text = raw !== undefined ? raw : element.initial_value || '';
        value = { type: 'plain_text_input', value: text === '' ? null : text };
        if (text.trim() === '' && !block.optional) errors[block.block_id] = 'Please complete this required field.';
        else if (text !== '' && element.min_length && text.length < element.min_length) {
          errors[block.block_id] = `Must have at least ${element.min_length} characters.`;
        }
      } else {
        continue;
      }
      values[block.block_id] = { [element.action_id]: value };
    }
    return { values, errors };
  }

  async function submitView(opened, submitButton) {
    const { values, errors } = collectValues(opened);
    page.clientErrors.set(opened.id, errors);
    if (Object.keys(errors).length > 0) {
      page.renderedModalKey = '';
      renderModal();
      return;
    }
    submitButton.disabled = true;
    submitButton.textContent = 'Sending…';
    const result = await control('/_control/view-submissions', { userId: page.me, viewId: opened.id, values });
    const problem = appProblem(result);
    if (problem) {
      toast(`We had some trouble connecting: ${problem}`);
      submitButton.disabled = false;
      submitButton.textContent = plainText(opened.view.submit);
    }
  }

  async function closeView(opened) {
    page.drafts.delete(opened.id);
    page.clientErrors.delete(opened.id);
    const result = await control('/_control/view-closures', { userId: page.me, viewId: opened.id });
    if (!result.ok) toast(`Could not close the modal: ${appProblem(result)}`);
  }

  function renderModal() {
    const opened = openView();
    const root = byId('modal-root');
    const key = opened
      ? JSON.stringify([page.me, opened.id, opened.hash, opened.errors || {}, page.clientErrors.get(opened.id) || {}])
      : '';
    if (key === page.renderedModalKey) return;
    page.renderedModalKey = key;
    if (!opened) {
      root.replaceChildren();
      return;
    }
    const view = opened.view;
    const titleId = `modal-title-${opened.id}`;
    const submit = view.submit
      ? h('button', { type: 'submit', class: 'sl-button primary modal-submit', text: plainText(view.submit) })
      : undefined;
    const form = h(
      'form',
      {
        class: 'modal',
        role: 'dialog',
        'aria-modal': 'true',
        'aria-labelledby': titleId,
        dataset: { viewId: opened.id },
      },
      h(
        'div',
        { class: 'modal-header' },
        avatar('J A', undefined, false),
        h('h2', { id: titleId, text: plainText(view.title) }),
        h('button', {
          type: 'button',
          class: 'modal-x',
          'aria-label': 'Close',
          text: '×',
          onclick: () => closeView(opened),
        }),
      ),
      h('div', { class: 'modal-body' }, renderBlocks(view.blocks, { view: opened })),
      h(
        'div',
        { class: 'modal-footer' },
        h('button', {
          type: 'button',
          class: 'sl-button modal-close',
          text: plainText(view.close) || 'Cancel',
          onclick: () => closeView(opened),
        }),
        submit,
      ),
    );
    form.querySelector('.modal-header .avatar').classList.add('modal-app');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (submit) void submitView(opened, submit);
    });
    root.replaceChildren(h('div', { class: 'modal-backdrop' }, form));
    const first = form.querySelector(
      '.has-error select, .has-error textarea, .has-error input, select, textarea, input',
    );
    if (first) first.focus();
  }

  // ---------------------------------------------------------------- conversations

  function appDmChannel() {
    const channel = page.slack && page.slack.channels.find((c) => c.isIm && c.userId === page.me);
    return channel ? channel.id : undefined;
  }

  function conversationChannel(conversation) {
    return conversation === APP_CONVERSATION ? appDmChannel() : conversation;
  }

  function visibleMessages(conversation) {
    const channel = conversationChannel(conversation);
    if (!page.slack || !channel) return [];
    return page.slack.messages.filter(
      (m) => m.channel === channel && (m.ephemeralTo === undefined || m.ephemeralTo === page.me),
    );
  }

  function unreadCount(conversation) {
    if (conversation === page.conversation) return 0;
    return Math.max(0, visibleMessages(conversation).length - (page.read.get(`${page.me}|${conversation}`) || 0));
  }

  function conversationButton(conversation, prefix, label) {
    const unread = unreadCount(conversation);
    return h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: `conversation-button${conversation === page.conversation ? ' current' : ''}${unread ? ' unread' : ''}`,
          dataset: { conversation },
          'aria-current': conversation === page.conversation ? 'page' : undefined,
          onclick: () => {
            page.conversation = conversation;
            render();
            byId('composer-input').focus();
          },
        },
        h('span', { class: 'prefix', text: prefix }),
        h('span', { text: label }),
        unread > 0 && h('span', { class: 'unread-count', text: String(unread) }),
      ),
    );
  }

  function renderSidebar() {
    byId('channel-list').replaceChildren(...page.config.channels.map((c) => conversationButton(c.id, '#', c.name)));
    byId('app-list').replaceChildren(conversationButton(APP_CONVERSATION, '●', 'jit-access'));
  }

  function renderConversationHeader() {
    const channel = page.config.channels.find((c) => c.id === page.conversation);
    if (page.conversation === APP_CONVERSATION) {
      byId('conversation-title').textContent = 'jit-access';
      byId('conversation-topic').textContent = 'The app tells you here what happened to your requests.';
    } else if (page.conversation === page.config.approvalChannelId) {
      const approvers = page.config.people.filter((p) => p.roles.includes('approver')).map((p) => p.realName);
      byId('conversation-title').textContent = `# ${channel ? channel.name : page.conversation}`;
      byId('conversation-topic').textContent = `Access requests land here. Approvers: ${approvers.join(', ')}.`;
    } else {
      byId('conversation-title').textContent = `# ${channel ? channel.name : page.conversation}`;
      byId('conversation-topic').textContent =
        `Type ${page.config.slashCommand} here to ask for temporary access to a JumpCloud group.`;
    }
  }

  function grantOfMessage(message) {
    return page.messageGrants.get(`${message.channel}/${message.ts}`);
  }

  function renderMessage(message) {
    const fromApp = message.postedBy === 'bot';
    const name = fromApp ? 'jit-access' : slackName(message.postedBy);
    const sent = new Date(Number(message.ts) * 1000);
    const key = `${message.channel}/${message.ts}`;
    const fresh = (page.freshMessages.get(key) || 0) > Date.now();
    const grantRef = grantOfMessage(message);
    return h(
      'article',
      {
        class: `message${message.ephemeralTo ? ' ephemeral' : ''}${fresh ? ' fresh' : ''}`,
        dataset: { ts: message.ts },
      },
      avatar(fromApp ? 'J A' : name, fromApp ? undefined : message.postedBy, false),
      h(
        'div',
        { class: 'message-body' },
        h(
          'div',
          { class: 'message-meta' },
          h('span', { class: 'author', text: name }),
          fromApp && h('span', { class: 'app-badge', text: 'APP' }),
          h('time', {
            class: 'message-time',
            datetime: sent.toISOString(),
            title: sent.toLocaleString(),
            text: clockTime(sent, false),
          }),
          message.updates > 0 && h('span', { class: 'edited', text: '(edited)' }),
        ),
        message.blocks && message.blocks.length > 0
          ? renderBlocks(message.blocks, { message })
          : mrkdwn(message.text || ''),
        message.ephemeralTo && h('div', { class: 'ephemeral-note', text: 'Only visible to you' }),
        grantRef &&
          h(
            'div',
            { class: 'grant-ref' },
            h('a', {
              href: temporalUrl(grantRef),
              target: '_blank',
              rel: 'noopener noreferrer',
              title: grantRef,
              text: 'This grant in the Temporal Web UI ↗',
            }),
          ),
      ),
    );
  }

  function renderMessages() {
    const messages = visibleMessages(page.conversation);
    page.read.set(`${page.me}|${page.conversation}`, messages.length);
    const key = JSON.stringify([
      page.me,
      page.conversation,
      messages.map((m) => [m.ts, m.updates, grantOfMessage(m) || '']),
      page.jumpcloud ? page.jumpcloud.users.length : 0,
    ]);
    if (key === page.renderedMessagesKey) return;
    const list = byId('messages');
    const where = `${page.me}|${page.conversation}`;
    const conversationChanged = where !== page.renderedConversation;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    page.renderedMessagesKey = key;
    page.renderedConversation = where;
    if (messages.length === 0) {
      list.replaceChildren(
        h('div', {
          class: 'empty',
          text: `Nothing here yet. Type ${page.config.slashCommand} below to ask for temporary access.`,
        }),
      );
      return;
    }
    list.replaceChildren(...messages.map(renderMessage));
    if (conversationChanged || nearBottom) list.scrollTop = list.scrollHeight;
  }

  function renderComposerHints() {
    const command = page.config.slashCommand;
    const hints = [
      [command, 'request access'],
      [`${command} status`, 'your requests'],
      [`${command} help`, 'help'],
    ];
    byId('composer-hints').replaceChildren(
      ...hints.map(([text, what]) =>
        h('button', {
          type: 'button',
          class: 'hint-chip',
          title: what,
          text,
          onclick: () => {
            const input = byId('composer-input');
            input.value = text;
            input.focus();
          },
        }),
      ),
    );
  }

  async function sendComposer(event) {
    event.preventDefault();
    const input = byId('composer-input');
    const text = input.value.trim();
    if (!text) return;
    if (!text.startsWith('/')) {
      toast(`This sandbox has nobody to chat with: try ${page.config.slashCommand}.`);
      return;
    }
    const command = text.split(/\s+/, 1)[0];
    if (command !== page.config.slashCommand) {
      toast(
        `${command} is not a valid command. In Slack, all messages that start with "/" are interpreted as commands.`,
      );
      return;
    }
    input.value = '';
    const channelId = conversationChannel(page.conversation);
    const result = await control('/_control/slash-commands', {
      userId: page.me,
      command,
      text: text.slice(command.length).trim(),
      ...(channelId ? { channelId } : {}),
    });
    const problem = appProblem(result);
    if (problem) toast(`${command} failed: ${problem}`);
  }

  // ---------------------------------------------------------------- JumpCloud and grants

  /**
   * The workflow of an approval message whose buttons the page never saw (it was decided before this page loaded):
   * read back from "<@requester> requests *group*". A fallback; the buttons are the real source.
   */
  function grantOfApprovalText(message) {
    const first = (message.blocks || [])[0];
    const match = first && first.text && /^<@([UW][A-Z0-9]+)> requests \*([^*]+)\*/.exec(first.text.text || '');
    if (!match) return undefined;
    const requester = person(match[1]);
    const group = page.config.jitGroups.find((g) => g.name === decodeEntities(match[2]));
    return requester && requester.jumpcloudUserId && group
      ? `jit-grant-${requester.jumpcloudUserId}-${group.id}`
      : undefined;
  }

  function harvestGrants() {
    let changed = false;
    const note = (ref, messageKey) => {
      const { workflowId, runId } = parseRef(ref);
      // A run-specific ref replaces the bare workflow ID learnt from a membership or a message's text.
      if (runId && page.grants.delete(workflowId)) changed = true;
      if (!page.grants.has(ref) && (runId || !knowsWorkflow(workflowId))) {
        page.grants.set(ref, Date.now());
        changed = true;
      }
      if (messageKey && page.messageGrants.get(messageKey) !== ref) {
        page.messageGrants.set(messageKey, ref);
        changed = true;
      }
    };
    for (const message of page.slack.messages) {
      const messageKey = `${message.channel}/${message.ts}`;
      for (const block of message.blocks || []) {
        for (const element of [...(block.elements || []), ...(block.accessory ? [block.accessory] : [])]) {
          if (typeof element.value === 'string' && GRANT_REF.test(element.value)) note(element.value, messageKey);
        }
      }
      if (
        message.channel === page.config.approvalChannelId &&
        !message.ephemeralTo &&
        !page.messageGrants.has(messageKey)
      ) {
        const workflowId = grantOfApprovalText(message);
        if (workflowId) note(workflowId, messageKey);
      }
    }
    if (changed) {
      store('grants', [...page.grants].slice(-200));
      store('message-grants', [...page.messageGrants].slice(-500));
    }
  }

  function noteJitMembership(change) {
    if (change.type !== 'member-added' || !page.config.jitGroups.some((g) => g.id === change.groupId)) return;
    const workflowId = `jit-grant-${change.userId}-${change.groupId}`;
    if (!knowsWorkflow(workflowId)) {
      page.grants.set(workflowId, Date.now());
      store('grants', [...page.grants].slice(-200));
    }
  }

  function isMember(groupId, userId) {
    return Boolean(
      page.jumpcloud && page.jumpcloud.memberships.some((m) => m.groupId === groupId && m.userId === userId),
    );
  }

  /** What the approval message says about the grant, or what JumpCloud shows when there is no message (e.g. after a restart). */
  function grantStatus(ref) {
    const { userId, groupId } = parseRef(ref);
    let status;
    let expiresAt;
    for (const [messageKey, messageRef] of page.messageGrants) {
      if (messageRef !== ref) continue;
      const [channel, ts] = messageKey.split('/');
      const message = page.slack.messages.find(
        (m) => m.channel === channel && m.ts === ts && m.ephemeralTo === undefined,
      );
      if (!message || channel !== page.config.approvalChannelId) continue;
      const context = (message.blocks || []).find((b) => b.type === 'context');
      const line = context && context.elements && context.elements[0] ? context.elements[0].text || '' : '';
      const emoji = /^:([a-z_]+):/.exec(line);
      if (emoji && OUTCOME_BY_EMOJI[emoji[1]]) status = OUTCOME_BY_EMOJI[emoji[1]];
      const until = /<!date\^(\d+)\^/.exec(line);
      expiresAt = status === 'active' && until ? Number(until[1]) * 1000 : undefined;
    }
    if (!status) status = isMember(groupId, userId) ? 'member now' : '';
    return { status, expiresAt };
  }

  function countdownText(expiresAt) {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    return left > 0 ? `ends in ${minutes > 0 ? `${minutes}m ` : ''}${left % 60}s` : 'ending…';
  }

  function renderGroups() {
    const { jumpcloud, config } = page;
    const me = person(page.me);
    const jitOrder = config.jitGroups.map((g) => g.id);
    const groups = [...jumpcloud.groups].sort((a, b) => {
      const rank = (g) => (jitOrder.includes(g.id) ? jitOrder.indexOf(g.id) : jitOrder.length);
      return rank(a) - rank(b) || a.name.localeCompare(b.name);
    });
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
        group.description &&
          h('div', { class: 'group-description', title: group.description, text: group.description }),
        members.length === 0
          ? h('div', { class: 'no-members', text: 'no members' })
          : h(
              'ul',
              { class: 'members' },
              members.map((m) => {
                const memberKey = `${m.groupId}/${m.userId}`;
                const fresh = (page.freshMembers.get(memberKey) || 0) > Date.now();
                const name = jumpcloudName(m.userId);
                const itsMe = me && me.jumpcloudUserId === m.userId;
                const granted = jit && knowsWorkflow(`jit-grant-${m.userId}-${m.groupId}`);
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

  function renderGrantList() {
    const grants = [...page.grants].sort((a, b) => b[1] - a[1]);
    if (grants.length === 0) return [h('li', { class: 'panel-empty', text: 'No grants yet. Request one with /jit.' })];
    return grants.map(([ref]) => {
      const { workflowId, runId, userId, groupId } = parseRef(ref);
      const { status, expiresAt } = grantStatus(ref);
      return h(
        'li',
        { class: 'grant', dataset: { workflowId, runId } },
        h(
          'div',
          { class: 'grant-line' },
          h('span', { class: 'grant-title', text: `${jumpcloudName(userId)} → ${groupName(groupId)}` }),
          status && h('span', { class: `status-chip ${status.replace(/\s+/g, '-')}`, text: status }),
        ),
        expiresAt &&
          h('div', { class: 'countdown', dataset: { expiresAt: String(expiresAt) }, text: countdownText(expiresAt) }),
        h('div', { class: 'grant-id', title: ref, text: workflowId }),
        h('a', {
          class: 'temporal-link',
          href: temporalUrl(ref),
          target: '_blank',
          rel: 'noopener noreferrer',
          dataset: { workflowId, runId },
          text: 'Open in Temporal Web UI ↗',
        }),
      );
    });
  }

  function renderActivity() {
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
          text: `${jumpcloudName(change.userId)} ${change.type === 'member-added' ? 'added to' : 'removed from'} ${groupName(change.groupId)}`,
        }),
      ),
    );
  }

  function renderDirectory() {
    if (!page.jumpcloud || !page.slack) return;
    const key = JSON.stringify([
      page.me,
      page.jumpcloud,
      [...page.grants.keys()],
      [...page.grants.keys()].map((id) => grantStatus(id)),
      page.activity.length,
    ]);
    if (key === page.renderedDirectoryKey) return;
    page.renderedDirectoryKey = key;
    byId('groups').replaceChildren(...renderGroups());
    byId('grants').replaceChildren(...renderGrantList());
    byId('activity').replaceChildren(...renderActivity());
  }

  // ---------------------------------------------------------------- top bar

  function roleText(p) {
    if (!p.jumpcloudUserId) return 'no JumpCloud account';
    return p.roles.includes('approver') ? 'approver' : 'requester';
  }

  function renderPeoplePicker() {
    const select = byId('who');
    const groups = [
      ['Requesters', page.config.people.filter((p) => !p.roles.includes('approver'))],
      ['Approvers', page.config.people.filter((p) => p.roles.includes('approver'))],
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
    select.addEventListener('change', () => {
      page.me = select.value;
      store('me', page.me);
      render();
    });
  }

  function renderWho() {
    const me = person(page.me);
    byId('who').value = page.me;
    const chips = [];
    if (!me.jumpcloudUserId) chips.push(h('span', { class: 'role-chip none', text: 'no JumpCloud account' }));
    if (me.roles.includes('requester')) chips.push(h('span', { class: 'role-chip', text: 'requester' }));
    if (me.roles.includes('approver'))
      chips.push(h('span', { class: 'role-chip approver', text: `approves ${me.approves.join(', ')}` }));
    chips.push(h('span', { class: 'role-chip title', text: me.title }));
    byId('who-roles').replaceChildren(...chips);
  }

  function renderConnection() {
    const node = byId('connection');
    const live = page.slackLive && page.jumpcloudLive;
    node.textContent = live ? 'live' : 'reconnecting…';
    node.className = `connection ${live ? 'live' : 'down'}`;
    byId('jumpcloud-live').className = `live-dot${page.jumpcloudLive ? ' live' : ''}`;
  }

  function render() {
    if (!page.config || !page.slack) return;
    renderWho();
    renderSidebar();
    renderConversationHeader();
    renderMessages();
    renderModal();
    renderDirectory();
    renderConnection();
  }

  // ---------------------------------------------------------------- live data

  function applySlack(snapshot) {
    const versions = new Map(snapshot.messages.map((m) => [`${m.channel}/${m.ts}`, m.updates]));
    if (page.messageVersions) {
      for (const [key, updates] of versions) {
        if (page.messageVersions.get(key) !== updates) page.freshMessages.set(key, Date.now() + 2500);
      }
    }
    page.messageVersions = versions;
    page.slack = snapshot;
    harvestGrants();
    render();
  }

  let slackFetch;
  let slackStale = false;
  /** Coalesces bursts of change events into one re-read of the state. */
  function refreshSlack() {
    if (slackFetch) {
      slackStale = true;
      return;
    }
    slackFetch = getJson('/_control/state')
      .then(applySlack, (error) => toast(`Could not read the Slack stand-in: ${error.message}`))
      .finally(() => {
        slackFetch = undefined;
        if (slackStale) {
          slackStale = false;
          refreshSlack();
        }
      });
  }

  function connectSlack() {
    const events = new EventSource('/_control/events');
    events.addEventListener('snapshot', (event) => applySlack(JSON.parse(event.data)));
    events.onmessage = () => refreshSlack();
    events.onopen = () => {
      page.slackLive = true;
      renderConnection();
    };
    events.onerror = () => {
      page.slackLive = false;
      renderConnection();
    };
  }

  function connectJumpCloud() {
    const events = new EventSource(`${page.config.jumpcloudOrigin}/_control/events`);
    events.addEventListener('snapshot', (event) => {
      page.jumpcloud = JSON.parse(event.data);
      render();
    });
    events.onmessage = (event) => {
      const change = JSON.parse(event.data);
      if (!page.jumpcloud) return;
      const others = page.jumpcloud.memberships.filter(
        (m) => !(m.groupId === change.groupId && m.userId === change.userId),
      );
      page.jumpcloud.memberships =
        change.type === 'member-added' ? [...others, { groupId: change.groupId, userId: change.userId }] : others;
      if (change.type === 'member-added')
        page.freshMembers.set(`${change.groupId}/${change.userId}`, Date.now() + 3000);
      page.activity.unshift(change);
      noteJitMembership(change);
      render();
    };
    events.onopen = () => {
      page.jumpcloudLive = true;
      renderConnection();
    };
    events.onerror = () => {
      page.jumpcloudLive = false;
      renderConnection();
    };
  }

  function tickCountdowns() {
    for (const node of document.querySelectorAll('.countdown[data-expires-at]')) {
      node.textContent = countdownText(Number(node.dataset.expiresAt));
    }
  }

  async function boot() {
    try {
      page.config = await getJson('/_control/page-config');
    } catch (error) {
      document.body.replaceChildren(
        h('p', { class: 'empty', text: `This page needs the sandbox (npm start): ${error.message}` }),
      );
      return;
    }
    const params = new URLSearchParams(location.search);
    const wanted = params.get('as') || loadStored('me', undefined);
    page.me = person(wanted) ? wanted : page.config.people[0].slackUserId;
    const channel = params.get('channel');
    page.conversation =
      page.config.channels.some((c) => c.id === channel) || channel === APP_CONVERSATION
        ? channel
        : page.config.channels[0].id;

    document.title = `${page.config.workspaceName} · JIT access`;
    byId('workspace-name').textContent = page.config.workspaceName;
    const temporalLink = byId('temporal-ui-link');
    temporalLink.href = `${page.config.temporalUiUrl}/namespaces/${encodeURIComponent(page.config.temporalNamespace)}/workflows`;
    renderPeoplePicker();
    renderComposerHints();
    byId('composer').addEventListener('submit', sendComposer);
    connectSlack();
    connectJumpCloud();
    setInterval(tickCountdowns, 1000);
  }

  void boot();
})();
