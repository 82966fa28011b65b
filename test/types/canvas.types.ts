/**
 * Type tests of the canvas: typechecked by `npx tsc -p tsconfig.json`, never run. Each
 * `@ts-expect-error` line must stay an error: if the typing loosens, tsc reports the unused
 * directive and the build fails.
 */
import { chain, chord, group, signature, type AsyncResult, type GroupResult, type Signature } from 'celeriac';
import { add, echo, hello, mul, xsum } from '../fixtures/canvas-app.ts';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
const expectType = <T>(_value: T): void => {};
const assertEqual = <X, Y>(_proof: Equal<X, Y>): void => {};

export async function typeTests(): Promise<void> {
  // Partial signatures: delay takes exactly the missing (leading) arguments.
  const partial = add.s(2);
  assertEqual<typeof partial, Signature<[x: number], number, AsyncResult<number>>>(true);
  await partial.delay(8);
  // @ts-expect-error one argument is missing
  await partial.delay();
  // @ts-expect-error one argument too many
  await partial.delay(1, 2);
  // @ts-expect-error the missing argument is a number
  await partial.delay('8');
  await add.s(2, 2).delay();
  // @ts-expect-error a complete signature takes no call-time args
  await add.s(2, 2).delay(1);
  // @ts-expect-error add takes numbers
  add.s('2');

  // A chain whose next step takes the previous result compiles; its result is the last step's.
  const c = chain(add.s(4, 4), mul.s(8));
  const r: AsyncResult<number> = await c.delay();
  const v: number = await r.get();
  expectType<number>(v);
  // @ts-expect-error hello expects a string, add returns a number
  chain(add.s(4, 4), hello.s());
  // @ts-expect-error the third step cannot take mul's number either
  chain(add.s(4, 4), mul.s(8), hello.s());
  // @ts-expect-error a step with nothing left to receive the previous result
  chain(add.s(4, 4), mul.s(8, 8));
  // pipe() is typed the same way.
  await add.s(4, 4).pipe(mul.s(8)).delay();
  // @ts-expect-error hello expects a string
  add.s(4, 4).pipe(hello.s());
  // A partial chain takes its first step's missing arguments.
  await add.s(4).pipe(mul.s(8)).delay(4);
  // @ts-expect-error the first step still needs a number
  await add.s(4).pipe(mul.s(8)).delay();
  // si() ignores the previous result: it follows anything.
  chain(add.s(4, 4), hello.si('chris'));
  add.s(4, 4).pipe(hello.si('chris')).pipe(echo.s());
  // Strings flow too (seed 003).
  const hi: string = await (await chain(hello.s('chris'), hello.s()).delay()).get();
  expectType<string>(hi);
  // signature() by name is untyped unless told: it takes anything and gives unknown.
  chain(add.s(4, 4), signature('proj.mul', [8]));
  // @ts-expect-error told it returns a number, it cannot feed hello
  chain(signature<[], number>('proj.add', [1, 1]), hello.s());

  // Groups give lists; a group piped into a signature is a chord.
  const g: GroupResult<number> = await group([add.s(1, 1), add.s(2, 2)]).delay();
  const list: number[] = await g.get();
  expectType<number[]>(list);
  await group([add.s(1), add.s(2)]).delay(10);
  await group(add.s(1, 1), mul.s(2, 2)).pipe(xsum.s()).delay();
  // @ts-expect-error xsum's list cannot feed hello
  group(add.s(1, 1)).pipe(hello.s());
  // @ts-expect-error hello cannot take a list of numbers
  chord([add.s(1, 1), add.s(2, 2)], hello.s());
  const sum: number = await (await chord([add.s(1, 1)], xsum.s()).delay()).get();
  expectType<number>(sum);
  await chord(group(add.s(1, 1)), xsum.s()).delay();

  // map / starmap / chunks.
  const mapped: number[] = await (await xsum.map([[1, 2], [3]]).delay()).get();
  expectType<number[]>(mapped);
  // @ts-expect-error xsum takes lists
  xsum.map([1, 2]);
  await add.starmap([[1, 2], [3, 4]]).delay();
  // @ts-expect-error add takes two numbers
  add.starmap([[1]]);
  const chunked: number[][] = await (await add.chunks([[1, 2], [3, 4]], 1).delay()).get();
  expectType<number[][]>(chunked);
}
