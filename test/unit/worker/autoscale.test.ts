import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { autoscaleBounds, autoscaleDecision, type AutoscaleState } from '../../../src/worker/pool/autoscale.ts';

const state = (over: Partial<AutoscaleState>): AutoscaleState => ({
  size: 2,
  min: 1,
  max: 8,
  active: 0,
  queued: 0,
  now: 100_000,
  lastBusyAt: 100_000,
  keepalive: 30_000,
  ...over,
});

describe('autoscaleDecision', () => {
  test('grows at once to active + queued', () => {
    assert.equal(autoscaleDecision(state({ active: 2, queued: 3 })), 5);
  });

  test('growth is capped at max', () => {
    assert.equal(autoscaleDecision(state({ active: 2, queued: 50 })), 8);
  });

  test('holds its size while busy or within keepalive', () => {
    assert.equal(autoscaleDecision(state({ size: 4, active: 4 })), 4);
    assert.equal(autoscaleDecision(state({ size: 4, active: 1, now: 129_999 })), 4);
  });

  test('after keepalive idle, shrinks one step at a time toward the load', () => {
    assert.equal(autoscaleDecision(state({ size: 4, now: 130_000 })), 3);
    assert.equal(autoscaleDecision(state({ size: 4, active: 1, now: 130_000 })), 3);
    assert.equal(autoscaleDecision(state({ size: 4, active: 4, now: 130_000 })), 4);
  });

  test('never below min, and at least min even when idle', () => {
    assert.equal(autoscaleDecision(state({ size: 1, now: 1e9 })), 1);
    assert.equal(autoscaleDecision(state({ size: 1, min: 3 })), 3);
    assert.equal(autoscaleDecision(state({ size: 0, min: 0, queued: 1 })), 1);
  });

  test('a size above a lowered max comes down to it at once', () => {
    assert.equal(autoscaleDecision(state({ size: 10, max: 4, active: 10 })), 4);
  });
});

describe('autoscaleBounds', () => {
  test('sane integers: min >= 0, max >= max(min, 1)', () => {
    assert.deepEqual(autoscaleBounds(10, 3), { max: 10, min: 3 });
    assert.deepEqual(autoscaleBounds(2, 5), { max: 5, min: 5 });
    assert.deepEqual(autoscaleBounds(0, -1), { max: 1, min: 0 });
    assert.deepEqual(autoscaleBounds(4.7, 1.2), { max: 4, min: 1 });
  });
});
