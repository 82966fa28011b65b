/**
 * "Did you mean" for unknown config keys and options: the closest known name by edit
 * distance (optimal string alignment: insert, delete, substitute, swap two neighbours),
 * compared case-insensitively so `taskroutes`, `task_route` and `CELERY_ROUTE` all land.
 */
import { configError, type ConfigErrorWithFields } from './validate.ts';

export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rolling rows are enough for the transposition rule.
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prev2[j - 2]! + 1);
      }
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/**
 * The candidate closest to `name`, if it is close enough to be a plausible typo: at most a
 * third of the name's length (and at least 2) edits away. Ties go to the earlier candidate.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const needle = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(needle, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= limit ? best : undefined;
}

/**
 * The error for an unknown name. `candidates` maps each spelling (name or alias) to the
 * canonical name suggested; `what` says what kind of name it is ("config key", "task option").
 */
export function unknownNameError(
  name: string,
  candidates: ReadonlyMap<string, string>,
  what: string,
  task?: string,
): ConfigErrorWithFields {
  const near = closest(name, candidates.keys());
  const suggestion = near === undefined ? undefined : candidates.get(near);
  const hint = suggestion === undefined ? undefined : `did you mean \`${suggestion}\`?`;
  const prefix = task === undefined ? '' : `task \`${task}\`: `;
  const message = `${prefix}unknown ${what} \`${name}\`${hint === undefined ? '' : ` (${hint})`}`;
  return configError(message, { key: name, suggestion, hint, task, rule: `a known ${what}` });
}
