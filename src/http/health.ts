import { Router } from 'express';

/** What /readyz answers: the layers above fill it (src/auth/readiness.ts); this kit only serves it. */
export interface ReadinessReport {
  readonly status: 'ready' | 'degraded' | 'not ready';
  readonly checks: Record<string, string>;
}

export interface HealthDeps {
  /** Asked on every /readyz: discovery, the session store, the credential (handed in, so http/ stays a leaf). */
  readonly readiness: () => Promise<ReadinessReport>;
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
    let body = await deps.readiness();
    if (deps.isShuttingDown()) body = { ...body, status: 'not ready', checks: { ...body.checks, shutdown: 'shutting down' } };
    res.setHeader('Cache-Control', 'no-store');
    res.status(body.status === 'not ready' ? 503 : 200).json(body);
  });
  return router;
}
