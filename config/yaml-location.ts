import { isMap, isSeq, type LineCounter, type Node as YamlNode } from 'yaml';

/** `groups[1].approvers[0]`: a zod issue's path as the policy's keys read. */
export function describePath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
      '',
    ) || '(top level)'
  );
}

/** The line of the deepest node on `path` that exists: the key itself when present, else its nearest parent. */
export function lineOf(root: unknown, path: readonly PropertyKey[], lineCounter: LineCounter): number {
  let node = root as YamlNode | null | undefined;
  let offset = node?.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value as YamlNode | null;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as YamlNode | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return lineCounter.linePos(offset).line;
}
