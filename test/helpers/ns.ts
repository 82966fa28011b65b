/** A unique namespace per test (queue, hub, host names), so tests never see each other's messages. */
import { randomBytes } from 'node:crypto';

/** `prefix-<8 hex>`. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;
