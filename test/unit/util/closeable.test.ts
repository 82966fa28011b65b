import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Closeable, closeInTurn } from '../../../src/util/closeable.ts';

class Resource extends Closeable {
  shutdowns = 0;
  protected async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

describe('Closeable', () => {
  test('close() runs shutdown once and every call returns the same promise', async () => {
    const r = new Resource();
    const a = r.close();
    const b = r.close();
    assert.equal(a, b);
    await a;
    await r[Symbol.asyncDispose]();
    assert.equal(r.shutdowns, 1);
  });

  test('await using closes it', async () => {
    const r = new Resource();
    {
      await using _held = r;
    }
    assert.equal(r.shutdowns, 1);
  });
});

describe('closeInTurn', () => {
  test('closes every part in order, past a failing one and a null, and reports the failure', async () => {
    const order: string[] = [];
    const part = (name: string, fail = false) => ({
      close: async () => {
        order.push(name);
        if (fail) throw new Error(name);
      },
    });
    const errors: unknown[] = [];
    await closeInTurn([part('a'), null, part('b', true), undefined, part('c')], (err) => errors.push(err));
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.deepEqual(errors.map((e) => (e as Error).message), ['b']);
    await closeInTurn([part('d', true)]); // no onError: the failure is swallowed
  });
});
