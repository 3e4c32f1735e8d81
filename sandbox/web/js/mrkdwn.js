/*
 * Slack's text formatting (mrkdwn, emoji shortcodes, `<…>` mentions, dates and links) as DOM, the way Slack's client
 * shows it.
 */

import { clockTime, h } from './dom.js';
import { channelName, slackName } from './names.js';

/** @import { PageState, TextObject } from './types.js' */

/** @type {Readonly<Record<string, string>>} */
const EMOJI = {
  white_check_mark: '✅',
  x: '❌',
  lock: '🔒',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  alarm_clock: '⏰',
  leftwards_arrow_with_hook: '↩️',
  information_source: 'ℹ️',
  warning: '⚠️',
  outbox_tray: '📤',
  no_entry: '⛔',
  wave: '👋',
  tada: '🎉',
  arrows_counterclockwise: '🔄',
  rotating_light: '🚨',
  card_index: '📇',
  closed_lock_with_key: '🔐',
  grey_question: '❔',
};

/** @param {string} text */
function decodeEntities(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** @param {string} text */
function withEmoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, /** @type {string} */ name) => EMOJI[name] || whole);
}

/** @param {string} raw */
function leafText(raw) {
  return document.createTextNode(withEmoji(decodeEntities(raw)));
}

const RELATIVE_DAYS = new Map([
  [-1, 'Yesterday'],
  [0, 'Today'],
  [1, 'Tomorrow'],
]);

/** @param {Date} date */
function relativeDay(date) {
  const startOf = (/** @type {Date} */ d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return RELATIVE_DAYS.get(Math.round((startOf(date) - startOf(new Date())) / 86_400_000));
}

/**
 * `<!date^SECONDS^FORMAT|fallback>` in the reader's own time zone, as Slack renders it.
 * @param {number} seconds
 * @param {string} format
 */
function slackDate(seconds, format) {
  const date = new Date(seconds * 1000);
  const relative = relativeDay(date);
  const dateLong = date.toLocaleDateString([], { month: 'long', day: 'numeric', year: 'numeric' });
  const dateShort = date.toLocaleDateString([], { month: 'short', day: 'numeric', year: 'numeric' });
  const dateWithDay = date.toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
  /** @type {Record<string, string>} */
  const tokens = {
    date_num: date.toLocaleDateString('en-CA'),
    date: dateLong,
    date_short: dateShort,
    date_long: dateWithDay,
    date_pretty: relative || dateLong,
    date_short_pretty: relative || dateShort,
    date_long_pretty: relative || dateWithDay,
    time: clockTime(date, false),
    time_secs: clockTime(date, true),
  };
  return format.replace(/\{(\w+)\}/g, (whole, /** @type {string} */ name) => tokens[name] || whole);
}

/**
 * One `<…>` control sequence: mentions, channels, dates, broadcasts, links.
 * @param {PageState} page
 * @param {string} inner
 * @returns {Node}
 */
function controlNode(page, inner) {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : decodeEntities(inner.slice(bar + 1));
  if (target.startsWith('@'))
    return h('span', { class: 'mention', text: `@${label || slackName(page, target.slice(1))}` });
  if (target.startsWith('#')) {
    return h('span', { class: 'mention', text: `#${label || channelName(page, target.slice(1))}` });
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

/** @type {Readonly<Record<string, 'strong' | 'em' | 's' | 'code'>>} */
const OPENERS = { '*': 'strong', _: 'em', '~': 's', '`': 'code' };
const BEFORE_OPENER = /[\s([{"'>/-]/;
const AFTER_CLOSER = /[\s)\]}.,;:!?"'/-]/;

/**
 * *bold*, _italic_, ~strike~ and `code`, only where Slack would see them (at word boundaries).
 * @param {Node} parent
 * @param {string} text
 */
function appendFormatted(parent, text) {
  let plain = '';
  const flush = () => {
    if (plain) parent.appendChild(leafText(plain));
    plain = '';
  };
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    const tag = OPENERS[char];
    const opens =
      tag &&
      (i === 0 || BEFORE_OPENER.test(text.charAt(i - 1))) &&
      i + 1 < text.length &&
      !/\s/.test(text.charAt(i + 1));
    if (opens) {
      let close = text.indexOf(char, i + 1);
      while (
        close !== -1 &&
        (/\s/.test(text.charAt(close - 1)) || (close + 1 < text.length && !AFTER_CLOSER.test(text.charAt(close + 1))))
      ) {
        close = text.indexOf(char, close + 1);
      }
      if (close > i + 1) {
        flush();
        const inner = text.slice(i + 1, close);
        const node = h(tag);
        if (tag === 'code') node.append(document.createTextNode(decodeEntities(inner)));
        else appendFormatted(node, inner);
        parent.appendChild(node);
        i = close;
        continue;
      }
    }
    plain += char;
  }
  flush();
}

/**
 * @param {PageState} page
 * @param {Node} parent
 * @param {string} text
 */
function appendInline(page, parent, text) {
  let last = 0;
  for (const match of text.matchAll(/<([^<>]*)>/g)) {
    appendFormatted(parent, text.slice(last, match.index));
    parent.appendChild(controlNode(page, match[1]));
    last = match.index + match[0].length;
  }
  appendFormatted(parent, text.slice(last));
}

/**
 * Slack mrkdwn as DOM. A line starting with a raw `>` is a quote: user text reaches us escaped (`&gt;`), so only the
 * app's own markup can start one.
 * @param {PageState} page
 * @param {string} text
 */
export function mrkdwn(page, text) {
  const container = h('div', { class: 'mrkdwn' });
  /** @type {HTMLElement | undefined} */
  let group;
  let groupIsQuote = false;
  for (const line of text.split('\n')) {
    const isQuote = line.startsWith('>');
    if (!group || groupIsQuote !== isQuote) {
      group = isQuote ? h('blockquote') : h('div');
      groupIsQuote = isQuote;
      container.append(group);
    } else {
      group.append(h('br'));
    }
    appendInline(page, group, isQuote ? line.slice(1) : line);
  }
  return container;
}

/** @param {TextObject | null | undefined} textObject */
export function plainText(textObject) {
  if (!textObject) return '';
  return textObject.emoji === false ? textObject.text : withEmoji(String(textObject.text || ''));
}

/**
 * @param {PageState} page
 * @param {TextObject | null | undefined} textObject
 * @returns {Node}
 */
export function textObjectNode(page, textObject) {
  if (!textObject) return document.createTextNode('');
  if (textObject.type === 'mrkdwn') return mrkdwn(page, textObject.text || '');
  return h('span', { text: plainText(textObject) });
}
