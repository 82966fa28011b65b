/** The baseline every pool figure is compared with: raw Piscina, the same function, one task per run(). */
import { Piscina } from 'piscina';

export async function rawPiscinaRate(n: number, threads: number, rounds: number): Promise<number[]> {
  const piscina = new Piscina<number, number>({
    filename: new URL('../fixtures/noop-worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  try {
    await Promise.all(Array.from({ length: threads * 8 }, (_, i) => piscina.run(i)));
    const rates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      await Promise.all(Array.from({ length: n }, (_, i) => piscina.run(i)));
      rates.push(n / ((performance.now() - t0) / 1000));
    }
    return rates;
  } finally {
    await piscina.close();
  }
}
