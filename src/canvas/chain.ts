/**
 * `chain(...)` and `sig.pipe(next)`: steps run one after another, each receiving the previous
 * result as its first argument. Nested chains flatten; a group followed by a step becomes a
 * chord. The call resolves to the LAST step's handle, so `get()` gives the chain's result;
 * call-time args go to the first step (a partial chain).
 *
 * Typed: a step that cannot take the previous step's result as its one remaining argument is
 * a compile error (up to 10 steps given as arguments; a list gives an untyped chain).
 */
import type { ResultLike } from '../result/group-result.ts';
import type { SignatureLike } from '../task/signature-like.ts';
import { Signature, appOf, type AnySignature, type ArgsOf, type HandleOf, type ResultOf, type StepAfter } from './signature.ts';
import { SubtaskType, chainData, chainTasks, normaliseSteps } from './shape.ts';

type ChainOf<F, L> = Chain<ArgsOf<F>, ResultOf<L>, HandleOf<L>>;

export class Chain<A extends unknown[] = unknown[], R = unknown, H = ResultLike<R>> extends Signature<A, R, H> {
  /** The steps, flattened, as signatures. */
  get tasks(): Signature[] {
    return normaliseSteps(chainTasks(this.toJSON())).map((d) => Signature.fromJSON(d, this.boundApp));
  }

  /** A chain's callbacks are its last step's (they receive the chain's result), as in Celery. */
  override link(callback: SignatureLike): this {
    const steps = chainTasks(this.toJSON());
    const last = steps[steps.length - 1];
    if (last === undefined) return super.link(callback);
    this.kwargs.tasks = [...steps.slice(0, -1), Signature.fromJSON(last).link(callback).toJSON()];
    return this;
  }

  /** An errback on a chain is on every step: whichever fails calls it, as in Celery. */
  override linkError(errback: SignatureLike): this {
    this.kwargs.tasks = chainTasks(this.toJSON()).map((s) => Signature.fromJSON(s).linkError(errback).toJSON());
    return this;
  }

  override pipe<R2, H2>(next: Signature<[R], R2, H2>): Chain<A, R2, H2> {
    return compose(this, next) as Chain<A, R2, H2>;
  }
}

Signature.registerType(SubtaskType.chain, Chain);

/** `left | right`: one flat chain; a lone chord (`group | task`) stays a chord. */
function compose(left: AnySignature, right: AnySignature): AnySignature {
  const steps = normaliseSteps([left.toJSON(), right.toJSON()]);
  const app = appOf([left, right]);
  return steps.length === 1 ? Signature.fromJSON(steps[0]!, app) : new Chain(chainData(steps), app);
}

Signature.registerPipe(compose);

export function chain<S1 extends AnySignature>(s1: S1): ChainOf<S1, S1>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>>(s1: S1, s2: S2): ChainOf<S1, S2>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>, S3 extends StepAfter<S2>>(s1: S1, s2: S2, s3: S3): ChainOf<S1, S3>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>, S3 extends StepAfter<S2>, S4 extends StepAfter<S3>>(s1: S1, s2: S2, s3: S3, s4: S4): ChainOf<S1, S4>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>, S3 extends StepAfter<S2>, S4 extends StepAfter<S3>, S5 extends StepAfter<S4>>(s1: S1, s2: S2, s3: S3, s4: S4, s5: S5): ChainOf<S1, S5>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>, S3 extends StepAfter<S2>, S4 extends StepAfter<S3>, S5 extends StepAfter<S4>, S6 extends StepAfter<S5>>(s1: S1, s2: S2, s3: S3, s4: S4, s5: S5, s6: S6): ChainOf<S1, S6>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>, S3 extends StepAfter<S2>, S4 extends StepAfter<S3>, S5 extends StepAfter<S4>, S6 extends StepAfter<S5>, S7 extends StepAfter<S6>>(s1: S1, s2: S2, s3: S3, s4: S4, s5: S5, s6: S6, s7: S7): ChainOf<S1, S7>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>, S3 extends StepAfter<S2>, S4 extends StepAfter<S3>, S5 extends StepAfter<S4>, S6 extends StepAfter<S5>, S7 extends StepAfter<S6>, S8 extends StepAfter<S7>>(s1: S1, s2: S2, s3: S3, s4: S4, s5: S5, s6: S6, s7: S7, s8: S8): ChainOf<S1, S8>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>, S3 extends StepAfter<S2>, S4 extends StepAfter<S3>, S5 extends StepAfter<S4>, S6 extends StepAfter<S5>, S7 extends StepAfter<S6>, S8 extends StepAfter<S7>, S9 extends StepAfter<S8>>(s1: S1, s2: S2, s3: S3, s4: S4, s5: S5, s6: S6, s7: S7, s8: S8, s9: S9): ChainOf<S1, S9>;
export function chain<S1 extends AnySignature, S2 extends StepAfter<S1>, S3 extends StepAfter<S2>, S4 extends StepAfter<S3>, S5 extends StepAfter<S4>, S6 extends StepAfter<S5>, S7 extends StepAfter<S6>, S8 extends StepAfter<S7>, S9 extends StepAfter<S8>, S10 extends StepAfter<S9>>(s1: S1, s2: S2, s3: S3, s4: S4, s5: S5, s6: S6, s7: S7, s8: S8, s9: S9, s10: S10): ChainOf<S1, S10>;
/** A chain of a list of steps (not typed step by step). */
export function chain(steps: readonly AnySignature[]): Chain<unknown[], unknown, ResultLike<unknown>>;
export function chain(...input: unknown[]): Chain {
  const sigs = (input.length === 1 && Array.isArray(input[0]) ? input[0] : input) as AnySignature[];
  return new Chain(chainData(normaliseSteps(sigs.map((s) => s.toJSON()))), appOf(sigs));
}
