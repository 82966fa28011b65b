/** The public API speaks seconds (fractions allowed), as Celery does; code converts once at the edge. */
export type Seconds = number;
/** Milliseconds, used inside the runtime and by timers. */
export type Millis = number;

export const toMillis = (s: Seconds): Millis => Math.round(s * 1000);
export const toSeconds = (ms: Millis): Seconds => ms / 1000;
