/** Medians with their range, and per-round paired ratios (pure functions; unit-tested). */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

/**
 * Ratio of two targets measured in the same round, one ratio per round where both were measured: the
 * machine's mood in that round (other work, thermal state) cancels out of each ratio.
 */
export function pairedRatios(
  rounds: ReadonlyArray<ReadonlyMap<string, number>>,
  numerator: string,
  denominator: string,
): number[] {
  const ratios: number[] = [];
  for (const round of rounds) {
    const a = round.get(numerator);
    const b = round.get(denominator);
    if (a !== undefined && b !== undefined && b > 0) ratios.push(a / b);
  }
  return ratios;
}

/** Every target once per round, in an order rotated each round so none always runs first or last. */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  const k = targets.length === 0 ? 0 : round % targets.length;
  return [...targets.slice(k), ...targets.slice(0, k)];
}

export function fmt(s: Summary, digits = 0, unit = ''): string {
  if (s.n === 0) return 'n/a';
  const f = (v: number) => v.toFixed(digits);
  return s.n === 1 ? `${f(s.median)}${unit}` : `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}
