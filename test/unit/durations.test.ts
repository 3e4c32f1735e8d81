import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, parseDuration } from '../../config/durations';

describe('parseDuration', () => {
  test('single units become seconds', () => {
    assert.equal(parseDuration('90s'), 90);
    assert.equal(parseDuration('15m'), 900);
    assert.equal(parseDuration('8h'), 28_800);
    assert.equal(parseDuration('1d'), 86_400);
  });

  test('combined units add up, in any order, around surrounding whitespace', () => {
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('30m1h'), 5400);
    assert.equal(parseDuration('  1d2h3m4s '), 86_400 + 7200 + 180 + 4);
  });

  test('malformed text, a missing unit, unknown units and zero are undefined', () => {
    for (const text of ['', 'soon', '15', 'm', '1.5h', '-5m', '1w', '1h 30m', '15M', '0m', '0h0s']) {
      assert.equal(parseDuration(text), undefined, JSON.stringify(text));
    }
  });
});

describe('formatDuration', () => {
  test('seconds are shown in the largest units, skipping empty ones', () => {
    assert.equal(formatDuration(5400), '1h 30m');
    assert.equal(formatDuration(86_400 + 5), '1d 5s');
    assert.equal(formatDuration(59), '59s');
    assert.equal(formatDuration(3600), '1h');
  });

  test('zero is 0s and fractions are rounded', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(89.6), '1m 30s');
  });

  test('formatting then parsing gives the same number of seconds back', () => {
    for (const seconds of [1, 59, 60, 61, 3599, 3600, 5400, 86_400, 90_061]) {
      assert.equal(parseDuration(formatDuration(seconds).replace(/ /g, '')), seconds, String(seconds));
    }
  });
});
