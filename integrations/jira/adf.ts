/*
 * Builders for Atlassian Document Format, the only rich text Jira Cloud's v3 API accepts for issue descriptions and
 * comments. Callers compose documents from these so every node is well formed: ADF forbids empty text nodes and
 * empty lists, and a code mark cannot be combined with strong.
 */

export type AdfMark = { type: 'strong' } | { type: 'code' };

export interface AdfText {
  type: 'text';
  text: string;
  marks?: AdfMark[];
}

export interface AdfHardBreak {
  type: 'hardBreak';
}

export type AdfInline = AdfText | AdfHardBreak;

export interface AdfParagraph {
  type: 'paragraph';
  content: AdfInline[];
}

export interface AdfHeading {
  type: 'heading';
  attrs: { level: 1 | 2 | 3 | 4 | 5 | 6 };
  content: AdfInline[];
}

export interface AdfListItem {
  type: 'listItem';
  content: AdfParagraph[];
}

export interface AdfBulletList {
  type: 'bulletList';
  content: AdfListItem[];
}

export type AdfBlock = AdfParagraph | AdfHeading | AdfBulletList;

export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfBlock[];
}

/** Empty bullet lists are left out: ADF requires a list to have at least one item. */
export function doc(...blocks: AdfBlock[]): AdfDoc {
  return {
    type: 'doc',
    version: 1,
    content: blocks.filter((block) => block.type !== 'bulletList' || block.content.length > 0),
  };
}

/**
 * Plain text with at most one mark. Line breaks become hardBreak nodes (text typed by people spans lines), and empty
 * pieces are dropped because ADF refuses empty text nodes.
 */
export function text(value: string, mark?: 'strong' | 'code'): AdfInline[] {
  const marks: AdfMark[] | undefined = mark ? [{ type: mark }] : undefined;
  return value.split(/\r\n|\r|\n/).flatMap((line, index): AdfInline[] => {
    const piece: AdfInline[] =
      line === '' ? [] : [marks ? { type: 'text', text: line, marks } : { type: 'text', text: line }];
    return index === 0 ? piece : [{ type: 'hardBreak' }, ...piece];
  });
}

/** A paragraph of plain strings and `text(...)` pieces, in order. */
export function paragraph(...parts: Array<string | AdfInline[]>): AdfParagraph {
  return { type: 'paragraph', content: parts.flatMap((part) => (typeof part === 'string' ? text(part) : part)) };
}

export function heading(level: AdfHeading['attrs']['level'], value: string): AdfHeading {
  return { type: 'heading', attrs: { level }, content: text(value) };
}

export function bulletList(items: readonly string[]): AdfBulletList {
  return { type: 'bulletList', content: items.map((item) => ({ type: 'listItem', content: [paragraph(item)] })) };
}

/** `label: value` with the label in bold, e.g. labelled('Approved by', 'alice@example.com'). */
export function labelled(label: string, value: string): AdfParagraph {
  return paragraph(text(`${label}: `, 'strong'), value);
}
