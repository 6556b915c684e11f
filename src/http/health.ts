import { Router } from 'express';
import type { OidcClient } from '../auth/oidc-client.js';
import type { SessionBackend } from '../session/backend.js';

export interface HealthDeps {
  readonly oidc: OidcClient;
  readonly backend: SessionBackend;
  /** Set when shutdown begins, so the load balancer stops sending traffic before we stop listening. */
  readonly isShuttingDown: () => boolean;
}

export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  // Liveness: the process answers. No I/O, so a slow dependency never gets the pod restarted.
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    checks['discovery'] = deps.oidc.ready ? 'ok' : (deps.oidc.notReadyReason ?? 'not ready');
    try {
      await deps.backend.ping();
      checks['sessionStore'] = 'ok';
    } catch (err) {
      checks['sessionStore'] = `unreachable: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (deps.isShuttingDown()) checks['shutdown'] = 'shutting down';
    const ready = Object.entries(checks).every(([, v]) => v === 'ok');
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}
