/**
 * `group(...)`: signatures run in parallel, published as one batch; the call resolves to a
 * GroupResult whose `get()` gives the values in call order. Call-time args are prepended to
 * every member (a partial group). A group piped into a signature is a chord.
 */
import type { GroupResult } from '../result/group-result.ts';
import { Signature, appOf, type AnySignature, type ArgsOf, type ResultOf } from './signature.ts';
import { SubtaskType, chordData, groupData, groupTasks } from './shape.ts';
import { Chord } from './chord.ts';

export class Group<A extends unknown[] = unknown[], R = unknown> extends Signature<A, R[], GroupResult<R>> {
  /** The members, as signatures. */
  get tasks(): Signature[] {
    return groupTasks(this.toJSON()).map((d) => Signature.fromJSON(d, this.boundApp));
  }

  /** A chord: `next` receives the list of the members' results. */
  override pipe<R2, H2>(next: Signature<[R[]], R2, H2>): Chord<A, R2, H2> {
    return new Chord<A, R2, H2>(chordData(this.toJSON(), next.toJSON()), this.boundApp ?? next.boundApp);
  }

  get length(): number {
    return groupTasks(this.toJSON()).length;
  }
}

Signature.registerType(SubtaskType.group, Group);

/** The group's call-time args: any member's (none for an empty group). */
type MemberArgs<S> = [S] extends [never] ? [] : ArgsOf<S>;

/**
 * A group of signatures, given as arguments or as one list. Members may differ: the group's
 * result is a list of their results (a union), and its call-time args are any member's.
 */
export function group<S extends AnySignature>(sigs: readonly S[]): Group<MemberArgs<S>, ResultOf<S>>;
export function group<S extends AnySignature[]>(...sigs: S): Group<MemberArgs<S[number]>, ResultOf<S[number]>>;
export function group(...input: unknown[]): Group {
  const sigs = (input.length === 1 && Array.isArray(input[0]) ? input[0] : input) as AnySignature[];
  return new Group(groupData(sigs.map((s) => s.toJSON())), appOf(sigs));
}
