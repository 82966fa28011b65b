/**
 * `group(...)`: signatures run in parallel, published as one batch; the call resolves to a
 * GroupResult whose `get()` gives the values in call order. Call-time args are prepended to
 * every member (a partial group). A group piped into a signature is a chord.
 */
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext } from '../task/app-context.ts';
import type { GroupResult } from '../result/group-result.ts';
import { Signature, appOf, type AnySignature } from './signature.ts';
import { SubtaskType, chordData, groupData, groupTasks } from './shape.ts';
import { Chord } from './chord.ts';

export class Group<A extends unknown[] = unknown[], R = unknown> extends Signature<A, R[], GroupResult<R>> {
  constructor(data: SignatureData, app?: AppContext) {
    super(data, app);
  }

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

/** A group of signatures (given as arguments or as one list). */
export function group<A extends unknown[], R>(sigs: readonly Signature<A, R, unknown>[]): Group<A, R>;
export function group<A extends unknown[], R>(...sigs: Signature<A, R, unknown>[]): Group<A, R>;
export function group(...input: unknown[]): Group {
  const sigs = (input.length === 1 && Array.isArray(input[0]) ? input[0] : input) as AnySignature[];
  return new Group(groupData(sigs.map((s) => s.toJSON())), appOf(sigs));
}
