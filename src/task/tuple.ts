/** Tuple helpers for typed partial signatures (call-time args are prepended, as in Celery). */

/** Every suffix of a parameter list: the arguments a partial signature may fix. */
export type Suffixes<A extends unknown[]> = A | (A extends [unknown, ...infer T] ? Suffixes<T> : []);

/** The leading parameters still missing once the trailing `P` are fixed. */
export type Leading<A extends unknown[], P extends unknown[]> = A extends [...infer L, ...P] ? L : unknown[];
