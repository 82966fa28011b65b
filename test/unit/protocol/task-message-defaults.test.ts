import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { defaultOrigin, newTaskMessage } from '../../../src/protocol/task-message-defaults.ts';

describe('newTaskMessage', () => {
  test('fills defaults: fresh id, rootId = id, empty lists', () => {
    const msg = newTaskMessage({ task: 'proj.add' });
    assert.match(msg.id, /^[0-9a-f-]{36}$/);
    assert.equal(msg.rootId, msg.id);
    assert.deepEqual(
      { ...msg, id: '', rootId: '' },
      {
        id: '', task: 'proj.add', args: [], kwargs: {}, rootId: '', parentId: null, groupId: null, groupIndex: null,
        retries: 0, eta: null, expires: null, timeLimit: [null, null], ignoreResult: false, origin: defaultOrigin(),
        priority: 0, headers: {}, callbacks: [], errbacks: [], chain: [], chord: null, options: {}, replyTo: null,
      },
    );
    assert.match(defaultOrigin(), /^gen\d+@/);
  });

  test('keeps given fields and never shares default objects', () => {
    const msg = newTaskMessage({ task: 't', id: 'given', parentId: 'p', retries: 2, priority: 9 });
    assert.equal(msg.id, 'given');
    assert.equal(msg.rootId, 'given');
    assert.equal(msg.parentId, 'p');
    assert.equal(msg.retries, 2);
    assert.equal(msg.priority, 9);
    const a = newTaskMessage({ task: 't' });
    const b = newTaskMessage({ task: 't' });
    assert.notEqual(a.id, b.id);
    a.args.push(1);
    a.timeLimit[0] = 5;
    assert.deepEqual(b.args, []);
    assert.deepEqual(b.timeLimit, [null, null]);
  });
});
