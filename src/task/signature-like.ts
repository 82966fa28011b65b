import type { SignatureData } from '../protocol/task-message.ts';

/** Anything that turns into a signature's wire form: a Signature, or its JSON. */
export type SignatureLike = { toJSON(): SignatureData } | SignatureData;

export function toSignatureData(s: SignatureLike): SignatureData {
  return 'toJSON' in s && typeof s.toJSON === 'function' ? s.toJSON() : (s as SignatureData);
}
