/**
 * `chord(header, body)`: the header runs in parallel; the body is called once with the list of
 * the header's results, in header order, whichever workers ran them. A failed (or revoked)
 * header task fails the chord with a ChordError naming it, fires the body's errbacks, and the
 * body never runs. An empty header calls the body with `[]` at once.
 */
import type { GroupResult } from '../result/group-result.ts';
import type { AsyncResult } from '../result/async-result.ts';
import { toSignatureData, type SignatureLike } from '../task/signature-like.ts';
import { setResultId } from './freeze.ts';
import { Signature, appOf, type SignatureOptions, type AnySignature, type ArgsOf, type HandleOf, type ResultOf, type StepAfter } from './signature.ts';
import { SubtaskType, chordBody, chordData, chordHeader, groupData, groupTasks } from './shape.ts';

export class Chord<A extends unknown[] = unknown[], R = unknown, H = AsyncResult<R>> extends Signature<A, R, H> {
  /** The header members, as signatures. */
  get header(): Signature[] {
    return groupTasks(chordHeader(this.toJSON())).map((d) => Signature.fromJSON(d, this.boundApp));
  }

  get body(): Signature {
    return Signature.fromJSON(chordBody(this.toJSON()), this.boundApp);
  }

  /** `taskId` names the chord's result, which is its body's; other options apply to the header. */
  override set(options: SignatureOptions): this {
    const { taskId, ...rest } = options;
    const copy = super.set(rest);
    if (taskId !== undefined) copy.kwargs.body = setResultId(chordBody(copy.toJSON()), taskId);
    return copy;
  }

  /** A chord's callbacks are its body's (they receive the body's result). */
  override link(callback: SignatureLike): this {
    this.kwargs.body = Signature.fromJSON(chordBody(this.toJSON())).link(toSignatureData(callback)).toJSON();
    return this;
  }

  /** A chord's errbacks are its body's: they fire once, with the chord id, if the chord fails. */
  override linkError(errback: SignatureLike): this {
    this.kwargs.body = Signature.fromJSON(chordBody(this.toJSON())).linkError(toSignatureData(errback)).toJSON();
    return this;
  }
}

Signature.registerType(SubtaskType.chord, Chord);

/** A body that takes the list of the header members' results (`S`: a member's type). */
type BodyFor<S> = Signature<[ResultOf<S>[]], any, any>;
/** The header's call-time args (none for an empty header). */
type HeaderArgs<S> = [S] extends [never] ? [] : ArgsOf<S>;

/** A chord: `body` receives the list of the header's results, in header order. */
export function chord<S extends AnySignature, B extends BodyFor<S>>(header: readonly S[], body: B): Chord<HeaderArgs<S>, ResultOf<B>, HandleOf<B>>;
/** A chord from a group (`group(...)`): the same as piping the group into `body`. */
export function chord<G extends Signature<any, unknown[], GroupResult<any, any>>, B extends StepAfter<G>>(
  header: G,
  body: B,
): Chord<ArgsOf<G>, ResultOf<B>, HandleOf<B>>;
export function chord(header: readonly AnySignature[] | AnySignature, body: AnySignature): Chord {
  const list: readonly AnySignature[] = Array.isArray(header) ? header : [header as AnySignature];
  const one = Array.isArray(header) ? undefined : (header as AnySignature);
  const head = one?.subtaskType === SubtaskType.group ? one.toJSON() : groupData(list.map((s) => s.toJSON()));
  return new Chord(chordData(head, body.toJSON()), appOf([...list, body]));
}
