/** Tuple helpers for typed partial signatures (call-time args are prepended, as in Celery). */

/** Every suffix of a parameter list: the arguments a partial signature may fix. */
export type Suffixes<A extends unknown[]> = A | (A extends [unknown, ...infer T] ? Suffixes<T> : []);

/** `A` without its last `N` elements (a rest or optional list is left as it is). */
type DropLast<A extends unknown[], N extends number, Dropped extends unknown[] = []> = Dropped['length'] extends N
  ? A
  : A extends [...infer L, unknown]
    ? DropLast<L, N, [...Dropped, unknown]>
    : A;

/**
 * The leading parameters still missing once the trailing `P` are fixed. Counted by length, not
 * matched by type: `add.s(4)` infers `P` as the literal `[4]`, which `[x: number]` does not
 * end with.
 */
export type Leading<A extends unknown[], P extends unknown[]> = DropLast<A, P['length']>;
