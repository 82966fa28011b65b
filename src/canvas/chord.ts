/**
 * `chord(header, body)`: the header runs in parallel; the body is called once with the list of
 * the header's results, in header order, whichever workers ran them. A failed (or revoked)
 * header task fails the chord with a ChordError naming it, fires the body's errbacks, and the
 * body never runs. An empty header calls the body with `[]` at once.
 */
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext } from '../task/app-context.ts';
import type { GroupResult } from '../result/group-result.ts';
import type { AsyncResult } from '../result/async-result.ts';
import { toSignatureData, type SignatureLike } from '../task/signature-like.ts';
import { Signature, appOf, type AnySignature } from './signature.ts';
import { SubtaskType, chordBody, chordData, chordHeader, groupData, groupTasks } from './shape.ts';

export class Chord<A extends unknown[] = unknown[], R = unknown, H = AsyncResult<R>> extends Signature<A, R, H> {
  constructor(data: SignatureData, app?: AppContext) {
    super(data, app);
  }

  /** The header members, as signatures. */
  get header(): Signature[] {
    return groupTasks(chordHeader(this.toJSON())).map((d) => Signature.fromJSON(d, this.boundApp));
  }

  get body(): Signature {
    return Signature.fromJSON(chordBody(this.toJSON()), this.boundApp);
  }

  /** A chord's callbacks are its body's (they receive the body's result). */
  override link(callback: SignatureLike): this {
    this.#setBody(Signature.fromJSON(chordBody(this.toJSON())).link(toSignatureData(callback)).toJSON());
    return this;
  }

  /** A chord's errbacks are its body's: they fire once, with the chord id, if the chord fails. */
  override linkError(errback: SignatureLike): this {
    this.#setBody(Signature.fromJSON(chordBody(this.toJSON())).linkError(toSignatureData(errback)).toJSON());
    return this;
  }

  #setBody(body: SignatureData): void {
    this.kwargs.body = body;
  }
}

Signature.registerType(SubtaskType.chord, Chord);

/** A chord: `body` receives the list of the header's results. */
export function chord<A extends unknown[], R, R2, H2>(
  header: readonly Signature<A, R, unknown>[],
  body: Signature<[R[]], R2, H2>,
): Chord<A, R2, H2>;
/** A chord from a group (`group(...)`): the same as piping the group into `body`. */
export function chord<A extends unknown[], R, R2, H2>(
  header: Signature<A, R[], GroupResult<R>>,
  body: Signature<[R[]], R2, H2>,
): Chord<A, R2, H2>;
export function chord(header: readonly AnySignature[] | AnySignature, body: AnySignature): Chord {
  const list: readonly AnySignature[] = Array.isArray(header) ? header : [header as AnySignature];
  const one = Array.isArray(header) ? undefined : (header as AnySignature);
  const head = one?.subtaskType === SubtaskType.group ? one.toJSON() : groupData(list.map((s) => s.toJSON()));
  return new Chord(chordData(head, body.toJSON()), appOf([...list, body]));
}
