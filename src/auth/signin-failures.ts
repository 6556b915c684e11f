import { describeCause, UNBOUND_CALLBACK_REASONS } from '../errors.js';
import type { SignInOutcome } from './signin-outcome.js';

/**
 * The last sign-in failures, for the admin status page ("what are users running into?"). Two kinds: in
 * memory per process (this file), or in Redis shared by every replica (redis-signin-failures.ts, chosen
 * with SESSION_STORE=redis). Bounded either way; the durable record is the `signin.failure` log event,
 * written at the same place (failureRecorder, told by the auth router's onSignIn) so the two never disagree. Only codes, times and request,
 * trace and correlation ids are kept: nothing about the user, no token.
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
  /** Never throws and never delays the response: a store that is down loses the entry (the log keeps it). */
  record(failure: SignInFailure): void;
  /** Newest first. */
  recent(limit?: number): readonly SignInFailure[] | Promise<readonly SignInFailure[]>;
  /**
   * Most frequent first. In memory: counts since start (not only the kept window). In Redis: counts over
   * the kept window, which every replica shares.
   */
  byCode(): readonly FailureCount[] | Promise<readonly FailureCount[]>;
}

/** The key a failure is counted under: `AADSTS50105`, or our reason when Entra sent no code. */
export function failureCode(failure: SignInFailure): string {
  return failure.aadsts ? `AADSTS${failure.aadsts}` : failure.reason;
}

/** Counts, most frequent first, ties by the newest. */
export function sortCounts(counts: ReadonlyMap<string, { count: number; last: SignInFailure }>): FailureCount[] {
  return [...counts].map(([code, { count, last }]) => ({ code, count, last })).sort((a, b) => b.count - a.count || (a.last.at < b.last.at ? 1 : -1));
}

export function createSignInFailureLog(capacity = 100): SignInFailureLog {
  const kept: SignInFailure[] = [];
  const counts = new Map<string, { count: number; last: SignInFailure }>();
  return {
    record(failure) {
      kept.push(failure);
      if (kept.length > capacity) kept.shift();
      const code = failureCode(failure);
      const entry = counts.get(code);
      // A code space an attacker could grow (our reasons are fixed; AADSTS numbers are parsed digits): cap it.
      if (!entry && counts.size >= 500) return;
      counts.set(code, { count: (entry?.count ?? 0) + 1, last: failure });
    },
    recent(limit = capacity) {
      return kept.slice(-limit).reverse();
    },
    byCode() {
      return sortCounts(counts);
    },
  };
}

/**
 * The auth router's onSignIn subscriber for failures: one `signin.failure` log event for each, one entry for
 * the admin status page. A callback refused before its login transaction and browser binding were checked
 * (UNBOUND_CALLBACK_REASONS) is anyone's to forge, with any error and AADSTS code in it: logged, never listed.
 */
export function failureRecorder(failures: SignInFailureLog, now: () => Date = () => new Date()): (outcome: SignInOutcome) => void {
  return function recordFailure(outcome) {
    if (outcome.outcome !== 'failure') return;
    const { error: err, requestId, log } = outcome;
    const { aadsts, error, traceId, correlationId, tenant } = err.details;
    log.warn({ event: 'signin.failure', reason: err.reason, aadsts, error, traceId, correlationId, tenant, status: err.status, cause: describeCause(err) }, 'sign-in failed');
    if (UNBOUND_CALLBACK_REASONS.has(err.reason)) return;
    failures.record({
      at: now().toISOString(),
      reason: err.reason,
      status: err.status,
      requestId,
      ...(aadsts ? { aadsts } : {}),
      ...(error ? { error } : {}),
      ...(traceId ? { traceId } : {}),
      ...(correlationId ? { correlationId } : {}),
    });
  };
}
