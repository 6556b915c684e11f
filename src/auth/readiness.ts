import type { OidcClient } from './oidc-client.js';
import type { CredentialStatus } from './credential-monitor.js';
import type { SetupProblem } from './setup-problem.js';
import type { ReadinessReport } from '../http/health.js';
import type { SessionBackend } from '../session/backend.js';

/**
 * The /readyz body (docs/production.md "Health probes"). `status` is `ready` (200), `degraded` (200: serving, but a
 * set-up problem stops new sign-ins, e.g. a refused client secret; signed-in users keep working, so the
 * replica stays in the load balancer) or `not ready` (503: discovery not loaded, the store unreachable, or
 * shutting down). `problems` explains each set-up problem in the doctor's words, with the fix.
 */
export interface Readiness extends ReadinessReport {
  readonly problems?: ReadonlyArray<SetupProblem & { readonly checkedAt?: string }>;
}

export interface ReadinessDeps {
  readonly oidc: OidcClient;
  readonly backend: SessionBackend;
}

/** What /readyz reports before shutdown is considered (src/http/health.ts adds that). */
export function createReadiness(deps: ReadinessDeps): () => Promise<Readiness> {
  return async () => {
    const checks: Record<string, string> = {};
    const problems: Array<SetupProblem & { checkedAt?: string }> = [];
    const { oidc } = deps;
    checks['discovery'] = oidc.ready ? 'ok' : (oidc.notReadyReason ?? 'not ready');
    if (!oidc.ready && oidc.problem) problems.push(oidc.problem);
    let down = !oidc.ready;
    try {
      await deps.backend.ping();
      checks['sessionStore'] = 'ok';
    } catch (err) {
      checks['sessionStore'] = `unreachable: ${err instanceof Error ? err.message : String(err)}`;
      down = true;
    }
    const credential = oidc.credential;
    let degraded = false;
    if (credential) {
      checks['credential'] = credentialLine(credential);
      if (credential.problem) problems.push({ ...credential.problem, ...(credential.checkedAt ? { checkedAt: credential.checkedAt } : {}) });
      degraded = credential.state === 'refused';
    }
    return { status: down ? 'not ready' : degraded ? 'degraded' : 'ready', checks, ...(problems.length > 0 ? { problems } : {}) };
  };
}

function credentialLine(c: CredentialStatus): string {
  switch (c.state) {
    case 'ok':
      return 'ok';
    case 'unchecked':
      return 'not checked yet (after discovery)';
    case 'not_checkable':
      return `not checked: ${c.message ?? 'multi-tenant'}`;
    case 'refused':
      return `refused by Entra: ${c.problem?.title ?? ''}${c.problem?.aadsts ? ` (AADSTS${c.problem.aadsts})` : ''}; new sign-ins fail, signed-in users keep working`;
    case 'unverified':
      return `not verified: ${c.message ?? 'Entra could not be asked'}`;
  }
}
