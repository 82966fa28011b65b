/**
 * Copies of frames for deliveries, carved out of shared slabs: a new ArrayBuffer per delivery
 * costs an allocation and a finaliser for the garbage collector, which at tens of thousands of
 * deliveries a second was a visible share of the worker's time. Each copy is its consumer's own
 * bytes (mutating them spoils nothing else), as a NATS delivery's are; like a NATS delivery's,
 * its `buffer` is shared with other messages and must not be transferred.
 */
const SLAB_BYTES = 64 * 1024;
/** A frame larger than this gets an ArrayBuffer of its own. */
const MAX_SLABBED = 4 * 1024;

let slab = new Uint8Array(SLAB_BYTES);
let used = 0;

export function copyFrame(frame: Uint8Array): Uint8Array {
  const n = frame.length;
  if (n > MAX_SLABBED) return frame.slice();
  if (used + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const copy = slab.subarray(used, used + n);
  copy.set(frame);
  // 8-byte aligned, as msgpackr aligns what it writes (faster copies and DataViews).
  used = (used + n + 7) & ~7;
  return copy;
}
