/**
 * The client credential (secret, certificate or federated token) checked while the server runs, with the
 * doctor's own call: one client-credentials token request, the token thrown away. Without it a secret that
 * has expired (AADSTS7000222), a wrong one (7000215) or one wrapped in quotes by `docker --env-file` is found
 * only when a user fails to sign in, and /readyz says 200 all along.
 *
 * It runs once discovery has loaded, then every `intervalMs` (a secret expires at a moment nobody watches),
 * and every `retryMs` while Entra refuses it or cannot be asked. A refusal makes /readyz "degraded", not
 * "not ready": signed-in users keep working (the credential is used only at sign-in), so taking the replica
 * out of the load balancer would only make things worse.
 */
import type { Logger } from '../logger.js';
import { problemLogMessage, type SetupProblem } from './setup-problem.js';

/** What the doctor's check answers (src/doctor/checks.ts `clientCredentialsCheck`). */
export interface CredentialCheckResult {
  readonly status: 'ok' | 'warning' | 'problem' | 'skipped';
  readonly message: string;
  readonly fix?: readonly string[];
  readonly aadsts?: string;
  readonly helpLink?: string;
  /** The code table's title for Entra's answer ("The client secret has expired"). */
  readonly cause?: string;
}

export type CredentialState =
  /** Not checked yet (discovery has not loaded). */
  | 'unchecked'
  /** Entra issued a token with it. */
  | 'ok'
  /** Entra refused it: sign-ins fail until someone fixes it. */
  | 'refused'
  /** Entra could not be asked (no answer, an outage): nothing is known either way. */
  | 'unverified'
  /** Multi-tenant: Entra issues app-only tokens only from a tenant's own endpoint, so there is nothing to ask. */
  | 'not_checkable';

export interface CredentialStatus {
  readonly state: CredentialState;
  /** When the last check finished (ISO time). */
  readonly checkedAt?: string;
  readonly message?: string;
  /** Present when refused (permanent) or unverified (not permanent). */
  readonly problem?: SetupProblem;
}

export interface CredentialMonitor {
  readonly status: CredentialStatus;
  /** Checks now and schedules the next check; resolves with the new status. */
  checkNow(): Promise<CredentialStatus>;
  stop(): void;
}

export interface CredentialMonitorOptions {
  readonly check: () => Promise<CredentialCheckResult>;
  readonly logger: Logger;
  /** Shape warnings about the configured secret (quotes, a GUID...): added to a refusal's explanation. */
  readonly secretHint?: { readonly message: string; readonly fix: readonly string[] } | undefined;
  /** While the credential is accepted. Default 15 minutes. */
  readonly intervalMs?: number;
  /** While it is refused or cannot be checked. Default 1 minute. */
  readonly retryMs?: number;
  /** Observer for metrics: true accepted, false refused (never called when Entra could not be asked). */
  readonly onVerdict?: (ok: boolean, atMs: number) => void;
  readonly now?: () => number;
}

export function createCredentialMonitor(options: CredentialMonitorOptions): CredentialMonitor {
  const intervalMs = options.intervalMs ?? 15 * 60_000;
  const retryMs = options.retryMs ?? 60_000;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'credential' });
  let status: CredentialStatus = { state: 'unchecked' };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<CredentialStatus> | undefined;

  function schedule(ms: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void checkNow(), ms);
    timer.unref();
  }

  async function runCheck(): Promise<CredentialStatus> {
    let result: CredentialCheckResult;
    try {
      result = await options.check();
    } catch (err) {
      result = { status: 'problem', message: `the check could not run: ${err instanceof Error ? err.message : String(err)}` };
    }
    const at = now();
    const checkedAt = new Date(at).toISOString();
    const previous = status.state;
    if (result.status === 'ok') {
      status = { state: 'ok', checkedAt, message: result.message };
      options.onVerdict?.(true, at);
      if (previous === 'refused') log.info({ event: 'setup.resolved', check: 'credential' }, 'Entra accepts the client credential again');
      else log.debug({ check: 'credential' }, result.message);
      return status;
    }
    if (result.status === 'skipped') {
      status = { state: 'not_checkable', checkedAt, message: result.message };
      return status;
    }
    if (result.aadsts === undefined) {
      // No verdict from Entra (a timeout, a refused connection): say so, change nothing else.
      const problem: SetupProblem = { check: 'credential', permanent: false, title: 'The client credential could not be checked', message: result.message, fix: result.fix ?? [] };
      status = { state: 'unverified', checkedAt, message: result.message, problem };
      log.warn({ check: 'credential', problem: problem.message }, 'could not check the client credential with Entra; will retry');
      return status;
    }
    const hint = options.secretHint;
    const problem: SetupProblem = {
      check: 'credential',
      permanent: true,
      title: result.cause ?? 'Entra refuses the client credential',
      message: hint ? `${result.message} ENTRA_CLIENT_SECRET: ${hint.message}.` : result.message,
      fix: hint ? [...hint.fix, ...(result.fix ?? [])] : (result.fix ?? []),
      aadsts: result.aadsts,
      ...(result.helpLink ? { helpLink: result.helpLink } : {}),
    };
    status = { state: 'refused', checkedAt, message: problem.message, problem };
    options.onVerdict?.(false, at);
    log.error(
      { event: 'setup.problem', check: 'credential', aadsts: problem.aadsts, problem: problem.title, fix: problem.fix, helpLink: problem.helpLink, retryInMs: retryMs },
      problemLogMessage('Entra refuses the client credential: every new sign-in will fail (signed-in users keep working)', problem),
    );
    return status;
  }

  function checkNow(): Promise<CredentialStatus> {
    // One check at a time: a scheduled one and an explicit one share the same request.
    running ??= runCheck().finally(() => {
      running = undefined;
      schedule(status.state === 'ok' ? intervalMs : status.state === 'not_checkable' ? intervalMs : retryMs);
    });
    return running;
  }

  return {
    get status() {
      return status;
    },
    checkNow,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
