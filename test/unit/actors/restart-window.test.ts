import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { admitRestart, RestartWindow } from '../../../src/actors/restart-window.ts';
import { ConfigError } from '../../../src/errors.ts';

describe('admitRestart', () => {
  const intensity = { maxRestarts: 3, periodMs: 1000 };

  test('allows maxRestarts within the period and refuses the next', () => {
    let history: number[] = [];
    const verdicts: boolean[] = [];
    for (const now of [0, 10, 20, 30]) {
      const r = admitRestart(history, now, intensity);
      verdicts.push(r.allowed);
      history = r.history;
    }
    assert.deepEqual(verdicts, [true, true, true, false]);
  });

  test('forgets restarts older than the period (inclusive boundary, as OTP)', () => {
    assert.equal(admitRestart([0, 10, 20], 1000, intensity).allowed, false); // 0 is exactly periodMs old
    const r = admitRestart([0, 10, 20], 1001, intensity);
    assert.equal(r.allowed, true);
    assert.deepEqual(r.history, [10, 20, 1001]);
  });

  test('does not mutate its input', () => {
    const history = Object.freeze([1, 2]) as readonly number[];
    admitRestart(history, 3, intensity);
    assert.deepEqual(history, [1, 2]);
  });

  test('maxRestarts 0 refuses the first restart', () => {
    assert.equal(admitRestart([], 0, { maxRestarts: 0, periodMs: 1 }).allowed, false);
  });
});

describe('RestartWindow', () => {
  test('slides with time', () => {
    const w = new RestartWindow({ maxRestarts: 2, periodMs: 100 });
    assert.equal(w.record(0), true);
    assert.equal(w.record(50), true);
    assert.equal(w.count(50), 2);
    assert.equal(w.record(60), false);
    assert.equal(w.count(500), 0);
    assert.equal(w.record(500), true);
    w.reset();
    assert.equal(w.count(500), 0);
  });

  test('validates intensity', () => {
    const bad = [
      { maxRestarts: -1, periodMs: 1 },
      { maxRestarts: 1.5, periodMs: 1 },
      { maxRestarts: 1, periodMs: 0 },
      { maxRestarts: 1, periodMs: Number.NaN },
    ];
    for (const i of bad) assert.throws(() => new RestartWindow(i), (e: unknown) => e instanceof ConfigError);
  });
});
