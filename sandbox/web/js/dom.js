/*
 * Building the page's DOM. Text from the outside only ever enters the page through text nodes and textContent:
 * nothing here parses HTML.
 */

/** @typedef {string | number | boolean | null | undefined} AttributeValue */

/**
 * `class`, `text` (textContent), `dataset`, `on<event>` handlers, and attributes. null, undefined and false are left
 * out; true is an empty attribute.
 * @typedef {{ [name: string]: AttributeValue | Record<string, string | undefined> | ((event: Event) => void) }} Props
 */

/**
 * What an element is built from: a node, text, or a list of them; null, undefined and false are left out.
 * @typedef {Node | string | false | null | undefined} Leaf
 * @typedef {Leaf | Leaf[]} Child
 */

/** @param {string} id */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/**
 * The element with that ID, which index.html declares with that tag.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {string} id
 * @param {K} tag
 * @returns {HTMLElementTagNameMap[K]}
 */
export function byIdAs(id, tag) {
  const node = byId(id);
  if (node.localName !== tag) throw new Error(`#${id} is a <${node.localName}>, not a <${tag}>`);
  return /** @type {HTMLElementTagNameMap[K]} */ (node);
}

/**
 * Builds an element. Strings become text nodes; nothing is ever parsed as HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (typeof value === 'object') {
      for (const [name, data] of Object.entries(value)) if (data !== undefined) node.dataset[name] = data;
    } else if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/**
 * @param {Node} parent
 * @param {Child[]} children
 */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** @param {string} text */
export function toast(text) {
  const node = h('div', { class: 'toast', text });
  byId('toasts').append(node);
  setTimeout(() => node.remove(), 7000);
}

/** @param {string} name */
function initials(name) {
  return name
    .split(/\s+/)
    .map((part) => part.charAt(0))
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

const AVATAR_COLORS = ['#4a7bd0', '#2e9e6a', '#c05a28', '#8e44ad', '#d0406b', '#1f8a9e', '#b8860b', '#5b6fa8'];

/**
 * The same person always gets the same colour (FNV-1a over the ID).
 * @param {string} seed
 */
function avatarColor(seed) {
  let hash = 0x811c9dc5;
  for (const char of seed) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return AVATAR_COLORS[hash % AVATAR_COLORS.length];
}

/**
 * @param {string} name
 * @param {string | undefined} seed undefined = the app's own avatar
 * @param {boolean} small
 */
export function avatar(name, seed, small) {
  const node = h('span', {
    class: `avatar${small ? ' small' : ''}${seed ? '' : ' app'}`,
    'aria-hidden': 'true',
    text: initials(name),
  });
  if (seed) node.style.background = avatarColor(seed);
  return node;
}

/**
 * @param {Date} date
 * @param {boolean} withSeconds
 */
export function clockTime(date, withSeconds) {
  return date.toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
  });
}
