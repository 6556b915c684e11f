/**
 * The last sign-in failures of this process, for the admin status page ("what are users running into?").
 * Bounded, in memory, per process: the durable record is the `signin.failure` log event, written at the
 * same place (the error handler) so the two never disagree.
 */
export interface SignInFailure {
  readonly at: string;
  /** Our reason (entra_error, unknown_state, invalid_token...). */
  readonly reason: string;
  readonly status: number;
  readonly aadsts?: string;
  readonly error?: string;
  readonly traceId?: string;
  readonly correlationId?: string;
  readonly requestId: string;
}

export interface FailureCount {
  /** `AADSTS50105`, or our reason when Entra sent no code. */
  readonly code: string;
  readonly count: number;
  readonly last: SignInFailure;
}

export interface SignInFailureLog {
  record(failure: SignInFailure): void;
  /** Newest first. */
  recent(limit?: number): readonly SignInFailure[];
  /** Counts over everything recorded since start (not only the kept window), most frequent first. */
  byCode(): readonly FailureCount[];
}

export function createSignInFailureLog(capacity = 100): SignInFailureLog {
  const kept: SignInFailure[] = [];
  const counts = new Map<string, { count: number; last: SignInFailure }>();
  return {
    record(failure) {
      kept.push(failure);
      if (kept.length > capacity) kept.shift();
      const code = failure.aadsts ? `AADSTS${failure.aadsts}` : failure.reason;
      const entry = counts.get(code);
      // A code space an attacker could grow (our reasons are fixed; AADSTS numbers are parsed digits): cap it.
      if (!entry && counts.size >= 500) return;
      counts.set(code, { count: (entry?.count ?? 0) + 1, last: failure });
    },
    recent(limit = capacity) {
      return kept.slice(-limit).reverse();
    },
    byCode() {
      return [...counts].map(([code, { count, last }]) => ({ code, count, last })).sort((a, b) => b.count - a.count || (a.last.at < b.last.at ? 1 : -1));
    },
  };
}
