/*
 * The Slack client's middle: the conversation list, the open conversation's messages, and the composer that sends
 * slash commands.
 */

import { renderBlocks } from './block-kit.js';
import { avatar, byId, byIdAs, clockTime, h, toast } from './dom.js';
import { mrkdwn } from './mrkdwn.js';
import { channelName, slackName } from './names.js';
import { appProblem, control } from './stand-in-http.js';

/** @import { Conversation, PageState, SlackMessage } from './types.js' */

/** The conversation with the app: the DM channel of whoever the page acts as. */
export const APP_CONVERSATION = '@app';

/** @param {PageState} page */
function appDmChannel(page) {
  return page.slack?.channels.find((c) => c.isIm && c.userId === page.me)?.id;
}

/**
 * @param {PageState} page
 * @param {Conversation} conversation
 */
function conversationChannel(page, conversation) {
  return conversation === APP_CONVERSATION ? appDmChannel(page) : conversation;
}

/**
 * @param {PageState} page
 * @param {Conversation} conversation
 */
function visibleMessages(page, conversation) {
  const channel = conversationChannel(page, conversation);
  if (!page.slack || !channel) return [];
  return page.slack.messages.filter(
    (m) => m.channel === channel && (m.ephemeralTo === undefined || m.ephemeralTo === page.me),
  );
}

/**
 * @param {PageState} page
 * @param {Conversation} conversation
 */
function unreadCount(page, conversation) {
  if (conversation === page.conversation) return 0;
  return Math.max(0, visibleMessages(page, conversation).length - (page.read.get(`${page.me}|${conversation}`) || 0));
}

/**
 * @param {PageState} page
 * @param {Conversation} conversation
 * @param {string} prefix
 * @param {string} label
 * @param {(conversation: Conversation) => void} open
 */
function conversationButton(page, conversation, prefix, label, open) {
  const unread = unreadCount(page, conversation);
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
          open(conversation);
          byId('composer-input').focus();
        },
      },
      h('span', { class: 'prefix', text: prefix }),
      h('span', { text: label }),
      unread > 0 && h('span', { class: 'unread-count', text: String(unread) }),
    ),
  );
}

/**
 * @param {PageState} page
 * @param {(conversation: Conversation) => void} open switches the page to that conversation
 */
export function renderSidebar(page, open) {
  byId('channel-list').replaceChildren(
    ...page.config.channels.map((c) => conversationButton(page, c.id, '#', c.name, open)),
  );
  byId('app-list').replaceChildren(conversationButton(page, APP_CONVERSATION, '●', 'jit-access', open));
}

/** @param {PageState} page */
export function renderConversationHeader(page) {
  const title = byId('conversation-title');
  const topic = byId('conversation-topic');
  if (page.conversation === APP_CONVERSATION) {
    title.textContent = 'jit-access';
    topic.textContent = 'The app tells you here what happened to your requests.';
  } else if (page.conversation === page.config.approvalChannelId) {
    const approvers = page.config.people.filter((p) => p.roles.includes('approver')).map((p) => p.realName);
    title.textContent = `# ${channelName(page, page.conversation)}`;
    topic.textContent = `Access requests land here. Approvers: ${approvers.join(', ')}.`;
  } else {
    title.textContent = `# ${channelName(page, page.conversation)}`;
    topic.textContent = `Type ${page.config.slashCommand} here to ask for temporary access to a JumpCloud group.`;
  }
}

/**
 * @param {PageState} page
 * @param {SlackMessage} message
 */
function renderMessage(page, message) {
  const fromApp = message.postedBy === 'bot';
  const name = fromApp ? 'jit-access' : slackName(page, message.postedBy);
  const sent = new Date(Number(message.ts) * 1000);
  const fresh = (page.freshMessages.get(`${message.channel}/${message.ts}`) || 0) > Date.now();
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
        ? renderBlocks(page, message.blocks, { message })
        : mrkdwn(page, message.text || ''),
      message.ephemeralTo && h('div', { class: 'ephemeral-note', text: 'Only visible to you' }),
    ),
  );
}

/** @param {PageState} page */
export function renderMessages(page) {
  const messages = visibleMessages(page, page.conversation);
  page.read.set(`${page.me}|${page.conversation}`, messages.length);
  const key = JSON.stringify([
    page.me,
    page.conversation,
    messages.map((m) => [m.ts, m.updates]),
    page.jumpcloud ? page.jumpcloud.users.length : 0,
  ]);
  if (key === page.rendered.messages) return;
  const list = byId('messages');
  const where = `${page.me}|${page.conversation}`;
  const conversationChanged = where !== page.rendered.conversation;
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  page.rendered.messages = key;
  page.rendered.conversation = where;
  if (messages.length === 0) {
    list.replaceChildren(
      h('div', {
        class: 'empty',
        text: `Nothing here yet. Type ${page.config.slashCommand} below to ask for temporary access.`,
      }),
    );
    return;
  }
  list.replaceChildren(...messages.map((message) => renderMessage(page, message)));
  if (conversationChanged || nearBottom) list.scrollTop = list.scrollHeight;
}

/**
 * The hint chips under the composer, and sending what is typed: only the app's slash command goes anywhere.
 * @param {PageState} page
 */
export function setUpComposer(page) {
  const command = page.config.slashCommand;
  const input = byIdAs('composer-input', 'input');
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
          input.value = text;
          input.focus();
        },
      }),
    ),
  );
  byId('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    void sendComposer(page, input);
  });
}

/**
 * @param {PageState} page
 * @param {HTMLInputElement} input
 */
async function sendComposer(page, input) {
  const text = input.value.trim();
  if (!text) return;
  if (!text.startsWith('/')) {
    toast(`This sandbox has nobody to chat with: try ${page.config.slashCommand}.`);
    return;
  }
  const command = text.split(/\s+/, 1)[0];
  if (command !== page.config.slashCommand) {
    toast(`${command} is not a valid command. In Slack, all messages that start with "/" are interpreted as commands.`);
    return;
  }
  input.value = '';
  const channelId = conversationChannel(page, page.conversation);
  const result = await control('/_control/slash-commands', {
    userId: page.me,
    command,
    text: text.slice(command.length).trim(),
    ...(channelId ? { channelId } : {}),
  });
  const problem = appProblem(result);
  if (problem) toast(`${command} failed: ${problem}`);
}
