import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatGrantRef,
  grantWorkflowId,
  parseGrantRef,
  parseGrantWorkflowId,
} from '../../workflows/grant/grant-workflow-id';

const USER = '64f0c0ffee00000000000001';
const GROUP = '64f0c0ffee0000000000a001';
const RUN = '0191c3a4-5b6c-7d8e-9f00-112233445566';

describe('grant workflow IDs', () => {
  test('one ID per user and group, and parsing it gives both back', () => {
    const id = grantWorkflowId(USER, GROUP);
    assert.equal(id, `jit-grant-${USER}-${GROUP}`);
    assert.deepEqual(parseGrantWorkflowId(id), { jumpcloudUserId: USER, groupId: GROUP });
    assert.notEqual(grantWorkflowId(USER, GROUP), grantWorkflowId(GROUP, USER));
  });

  test('IDs that are not a grant ID do not parse', () => {
    for (const forged of [
      '',
      'jit-grant-',
      `jit-grant-${USER}`,
      `jit-grant-${USER}-${GROUP}-extra`,
      `jit-grant-${USER.toUpperCase()}-${GROUP}`,
      `jit-grant-${USER.slice(1)}-${GROUP}`,
      `jit-grant-${USER}-${GROUP}0`,
      `jit-grant-${USER.replace('c', 'g')}-${GROUP}`,
      ` jit-grant-${USER}-${GROUP}`,
      `other-${USER}-${GROUP}`,
    ]) {
      assert.equal(parseGrantWorkflowId(forged), undefined, JSON.stringify(forged));
    }
  });
});

describe('grant refs (button values)', () => {
  const workflowId = grantWorkflowId(USER, GROUP);

  test('a ref with a run is workflowId/runId and parses back', () => {
    const value = formatGrantRef({ workflowId, runId: RUN });
    assert.equal(value, `${workflowId}/${RUN}`);
    assert.deepEqual(parseGrantRef(value), { workflowId, runId: RUN });
  });

  test('a ref without a run is the workflow ID alone and parses back without a run', () => {
    const value = formatGrantRef({ workflowId });
    assert.equal(value, workflowId);
    assert.deepEqual(parseGrantRef(value), { workflowId });
  });

  test('forged refs do not parse', () => {
    for (const forged of [
      '',
      '/',
      `${workflowId}/`,
      `${workflowId}/${RUN}/extra`,
      `${workflowId}/not-a-run-id`,
      `${workflowId}/${RUN.toUpperCase()}`,
      `${workflowId}/${RUN}0`,
      `someone-elses-workflow/${RUN}`,
      `jit-grant-${USER}-${GROUP}x/${RUN}`,
      `../${workflowId}`,
    ]) {
      assert.equal(parseGrantRef(forged), undefined, JSON.stringify(forged));
    }
  });
});
