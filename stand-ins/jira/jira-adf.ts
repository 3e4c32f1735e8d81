import { isPlainObject } from '../http/http-io';

/*
 * Jira Cloud's v3 API takes rich text (issue descriptions, comment bodies) only as Atlassian Document Format. This
 * checks the subset of ADF a plain audit record needs; other node types are refused rather than waved through, so
 * the product cannot come to depend on nodes nobody has checked here.
 */

type NodeCheck = (node: Record<string, unknown>, at: string) => string | undefined;

const INLINE = new Set(['text', 'hardBreak']);
const BLOCK = new Set(['paragraph', 'heading', 'bulletList', 'orderedList', 'codeBlock', 'blockquote', 'rule']);
const LIST_ITEM_CONTENT = new Set(['paragraph', 'bulletList', 'orderedList', 'codeBlock']);
const QUOTE_CONTENT = new Set(['paragraph', 'bulletList', 'orderedList', 'codeBlock']);
const CODE_CONTENT = new Set(['text']);

const NODE_KEYS = new Set(['type', 'content', 'attrs']);
const TEXT_KEYS = new Set(['type', 'text', 'marks']);
const DOC_KEYS = new Set(['type', 'version', 'content']);
const MARK_KEYS = new Set(['type', 'attrs']);

/** Why `value` is not an ADF document, or undefined when it is one; the reason names where in the document. */
export function adfProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'the value is not an object (plain strings are not ADF)';
  if (value.type !== 'doc') return 'the root node is not of type doc';
  if (value.version !== 1) return 'the doc node needs version 1';
  return unknownKey(value, DOC_KEYS, 'doc') ?? content(value, BLOCK, 'doc', { required: true, min: 0 });
}

function unknownKey(node: Record<string, unknown>, allowed: ReadonlySet<string>, at: string): string | undefined {
  const extra = Object.keys(node).find((key) => !allowed.has(key));
  return extra === undefined ? undefined : `${at} has an unknown property ${extra}`;
}

function content(
  node: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  at: string,
  rule: { required: boolean; min: number },
): string | undefined {
  const children = node.content;
  if (children === undefined) return rule.required ? `${at}.content is missing` : undefined;
  if (!Array.isArray(children)) return `${at}.content is not an array`;
  if (children.length < rule.min) return `${at}.content needs at least ${rule.min} node(s)`;
  for (const [index, child] of children.entries()) {
    const problem = checkNode(child, allowed, `${at}.content[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

function checkNode(node: unknown, allowed: ReadonlySet<string>, at: string): string | undefined {
  if (!isPlainObject(node) || typeof node.type !== 'string') return `${at} is not a node`;
  const check = NODE_CHECKS[node.type];
  if (!check) return `${at} has the unknown node type ${node.type}`;
  if (!allowed.has(node.type)) return `${at}: a ${node.type} node is not allowed here`;
  return unknownKey(node, node.type === 'text' ? TEXT_KEYS : NODE_KEYS, at) ?? check(node, at);
}

function attrs(node: Record<string, unknown>): Record<string, unknown> | undefined {
  return isPlainObject(node.attrs) ? node.attrs : undefined;
}

const NODE_CHECKS: Readonly<Record<string, NodeCheck>> = {
  paragraph: (node, at) => content(node, INLINE, at, { required: false, min: 0 }),
  heading: (node, at) => {
    const level = attrs(node)?.level;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > 6) {
      return `${at}.attrs.level must be an integer from 1 to 6`;
    }
    return content(node, INLINE, at, { required: false, min: 0 });
  },
  bulletList: (node, at) => content(node, new Set(['listItem']), at, { required: true, min: 1 }),
  orderedList: (node, at) => {
    const order = attrs(node)?.order;
    if (order !== undefined && (typeof order !== 'number' || !Number.isInteger(order) || order < 0)) {
      return `${at}.attrs.order must be a non-negative integer`;
    }
    return content(node, new Set(['listItem']), at, { required: true, min: 1 });
  },
  listItem: (node, at) => content(node, LIST_ITEM_CONTENT, at, { required: true, min: 1 }),
  blockquote: (node, at) => content(node, QUOTE_CONTENT, at, { required: true, min: 1 }),
  codeBlock: (node, at) => {
    const language = attrs(node)?.language;
    if (language !== undefined && typeof language !== 'string') return `${at}.attrs.language must be a string`;
    const problem = content(node, CODE_CONTENT, at, { required: false, min: 0 });
    if (problem) return problem;
    const children = (node.content ?? []) as Array<Record<string, unknown>>;
    const marked = children.findIndex((child) => child.marks !== undefined);
    return marked === -1 ? undefined : `${at}.content[${marked}]: text in a codeBlock takes no marks`;
  },
  rule: (node, at) => (node.content === undefined ? undefined : `${at}: a rule has no content`),
  hardBreak: (node, at) => (node.content === undefined ? undefined : `${at}: a hardBreak has no content`),
  text: (node, at) => {
    if (typeof node.text !== 'string' || node.text === '') return `${at}.text must be a non-empty string`;
    return node.marks === undefined ? undefined : checkMarks(node.marks, at);
  },
};

const MARK_CHECKS: Readonly<Record<string, (markAttrs: Record<string, unknown> | undefined) => boolean>> = {
  strong: (a) => a === undefined,
  em: (a) => a === undefined,
  strike: (a) => a === undefined,
  underline: (a) => a === undefined,
  code: (a) => a === undefined,
  link: (a) => typeof a?.href === 'string',
  subsup: (a) => a?.type === 'sub' || a?.type === 'sup',
  textColor: (a) => typeof a?.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(a.color),
};

function checkMarks(marks: unknown, at: string): string | undefined {
  if (!Array.isArray(marks)) return `${at}.marks is not an array`;
  const seen = new Set<string>();
  for (const [index, mark] of marks.entries()) {
    const where = `${at}.marks[${index}]`;
    if (!isPlainObject(mark) || typeof mark.type !== 'string') return `${where} is not a mark`;
    const check = MARK_CHECKS[mark.type];
    if (!check) return `${where} has the unknown mark type ${mark.type}`;
    const extra = unknownKey(mark, MARK_KEYS, where);
    if (extra) return extra;
    if (mark.attrs !== undefined && !isPlainObject(mark.attrs)) return `${where}.attrs is not an object`;
    if (!check(mark.attrs as Record<string, unknown> | undefined)) return `${where} has invalid attrs`;
    if (seen.has(mark.type)) return `${where} repeats the ${mark.type} mark`;
    seen.add(mark.type);
  }
  // Code text is rendered verbatim: ADF lets it carry a link and nothing else.
  if (seen.has('code') && [...seen].some((type) => type !== 'code' && type !== 'link')) {
    return `${at}.marks: code can only be combined with link`;
  }
  return undefined;
}
