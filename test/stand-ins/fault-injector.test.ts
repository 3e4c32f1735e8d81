import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultInjector, parseFaultRule } from '../../stand-ins/http/fault-injector';

const call = { method: 'POST', path: '/api/v2/usergroups/abc/members' };

test('a rule with times: 2 applies to the next two matching calls, then expires', () => {
  const faults = new FaultInjector();
  faults.add({ kind: 'status', status: 503, times: 2 });
  assert.equal(faults.take(call)?.status, 503);
  assert.equal(faults.take(call)?.status, 503);
  assert.equal(faults.take(call), undefined);
  assert.equal(faults.injected, 2);
  assert.deepEqual(faults.list(), []);
});

test('rules match on method (case-insensitive, * = any) and on a path regex given as a string or RegExp', () => {
  const faults = new FaultInjector();
  faults.add({ kind: 'drop', match: { method: 'get', path: '/members$' } });
  faults.add({ kind: 'status', status: 429, match: { method: '*', path: /\/usergroups\/[^/]+\/members$/g } });
  assert.equal(faults.take({ method: 'GET', path: '/api/v2/usergroups/x/members' })?.kind, 'drop');
  assert.equal(faults.take({ method: 'GET', path: '/api/v2/usergroups/x' }), undefined);
  // A g-flagged RegExp keeps matching on repeated calls (no lastIndex carry-over).
  assert.equal(faults.take(call)?.status, 429);
  assert.equal(faults.take(call)?.status, 429);
});

test('a fraction rule applies only when the random draw falls below the fraction', () => {
  const draws = [0.1, 0.9, 0.49];
  const faults = new FaultInjector({ random: () => draws.shift() ?? 1 });
  faults.add({ kind: 'status', status: 500, fraction: 0.5 });
  assert.equal(faults.take(call)?.status, 500);
  assert.equal(faults.take(call), undefined);
  assert.equal(faults.take(call)?.status, 500);
});

test('a latency rule and a failure rule can both apply to one call when taken by kind', () => {
  const faults = new FaultInjector();
  const latencyId = faults.add({ kind: 'latency', delayMs: 10 });
  faults.add({ kind: 'status', status: 502, times: 1 });
  assert.equal(faults.take(call, ['latency'])?.delayMs, 10);
  assert.equal(faults.take(call, ['status', 'drop'])?.status, 502);
  faults.remove(latencyId);
  assert.equal(faults.take(call), undefined);
});

test('invalid rules are refused with a message naming the problem', () => {
  const faults = new FaultInjector();
  assert.throws(() => faults.add({ kind: 'status' }), /status/);
  assert.throws(() => faults.add({ kind: 'latency' }), /delayMs/);
  assert.throws(() => faults.add({ kind: 'drop', times: 0 }), /times/);
  assert.throws(() => parseFaultRule({ kind: 'drop', match: { path: '(' } }), /regular expression/);
  assert.throws(() => parseFaultRule({ kind: 'drop', tims: 2 }), /tims/);
});
