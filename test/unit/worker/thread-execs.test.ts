import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { packExecs, packedCount, unpackExec } from '../../../src/worker/pool/thread-execs.ts';
import { execRequest } from '../../helpers/exec-request.ts';

const EXECS = [
  execRequest('plain'),
  execRequest('args', [1, 'two', null, -0, 2.5], { request: { rootId: 'another-root', parentId: 'p', groupId: 'g', eta: '2030-01-01T00:00:00Z' } }),
  execRequest('limits', [], { softTimeLimit: 1.5, timeLimit: 3, trackStarted: true, maxRetries: null }),
  execRequest('retries', [true], { maxRetries: 4, request: { retries: 2, redelivered: true, rootId: null } }),
];

describe('thread-execs: a batch of requests on its way to a thread', () => {
  test('packed as a flat array (structured clone), each request comes back as it was', () => {
    const flat = structuredClone(packExecs(EXECS));
    assert.equal(packedCount(flat), EXECS.length);
    EXECS.forEach((e, i) => assert.deepEqual(unpackExec(flat, i), e));
    assert.ok(Object.is(unpackExec(flat, 1).request.args[3], -0));
  });

  test('the usual values are left out of the array: empty args and kwargs, a root id equal to the id', () => {
    const [plain] = EXECS;
    const flat = packExecs([plain!]);
    assert.equal(flat[2], null);
    assert.equal(flat[3], null);
    assert.equal(flat[10], true);
  });


  test('any structured-clone value goes through: binary, shared memory, keyword arguments, nesting', () => {
    for (const odd of [
      execRequest('bytes', [new Uint8Array([1])]),
      execRequest('sab', [new SharedArrayBuffer(8)]),
      execRequest('kwargs', [], { request: { kwargs: { a: 1 } } }),
      execRequest('surrogate', ['\ud800']),
      execRequest('nested', [{ a: 1 }]),
      execRequest('array', [[1, 2]]),
    ]) {
      const flat = structuredClone(packExecs([EXECS[0]!, odd]));
      assert.deepEqual(unpackExec(flat, 1), odd, odd.request.task);
    }
  });
});
