/**
 * A node:test reporter that prints nothing until the run ends, then lists every failed test with its file and
 * error. The suite's own output is long and CI keeps only its tail: this puts the names of the failures there.
 * Plain JavaScript: node loads reporters before `--import tsx` takes effect.
 */

function describeError(error) {
  // node:test wraps what a test threw in an error whose cause is the original.
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const text = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
  return text.split('\n').slice(0, 12).join('\n');
}

export default async function* failureSummary(source) {
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, line, details } = event.data;
    // A parent that failed only because a subtest did: the subtest is listed itself.
    if (details.error?.failureType === 'subtestsFailed') continue;
    failures.push({ name, location: `${file ?? '?'}:${line ?? '?'}`, error: describeError(details.error) });
  }
  if (failures.length === 0) return;
  yield `\n${failures.length} failed test(s):\n`;
  for (const failure of failures) {
    yield `\n✖ ${failure.name}\n  at ${failure.location}\n${failure.error.replace(/^/gm, '    ')}\n`;
  }
}
