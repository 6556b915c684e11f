import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { explainEntraError } from '../auth/entra-errors.js';
import { requireRole } from '../auth/authorize.js';
import { requirePageAuth } from '../auth/require-auth.js';
import type { SignInFailureLog } from '../auth/signin-failures.js';
import { redactedConfig, type Config } from '../config.js';
import { configRows, orderChecks, summarize } from './admin-status-view.js';
import { deploymentChecks, liveChecks, registerValues, secretCheck } from '../doctor/checks.js';
import { sessionStoreCheck } from '../doctor/session-store.js';
import type { Views } from '../http/views.js';
import { PATHS } from '../http/paths.js';
import { wantsJson } from '../http/negotiate.js';

export interface AdminStatusDeps {
  readonly config: Config;
  readonly views: Views;
  readonly failures: SignInFailureLog;
  readonly version: string;
  /** Per network call of the live checks; short, an admin is waiting for the page. */
  readonly timeoutMs?: number;
}

/**
 * `/mha/admin/status`, for users with the admin app role: the doctor's checks run live against Entra and
 * the session store, the sign-in failures by code (of this process, or of every replica when they are kept
 * in Redis), the configuration without secrets, and versions. Gated here as well as by the /mha/admin
 * prefix gate, so mounting it elsewhere can never open it.
 */
export function createAdminStatusRouter(deps: AdminStatusDeps): Router {
  const { config, views, failures } = deps;
  const router = Router();
  const versions = { 'iLOGON_MHA sign-in': deps.version, node: process.versions.node, 'openid-client': packageVersion('openid-client'), express: packageVersion('express') };

  router.get(PATHS.adminStatus, requirePageAuth, requireRole(config.authorization.adminRole), async (req, res) => {
    // The server's own view of the deployment: BASE_URL as parsed, the secret only by length and shape.
    const checks = [
      ...(config.entra.credential.kind === 'secret' ? [secretCheck(config.entra.clientSecret)] : []),
      ...deploymentChecks({ BASE_URL: config.baseUrl }, config),
      await sessionStoreCheck(config, deps.timeoutMs ?? 5000),
      ...(await liveChecks(config, { timeoutMs: deps.timeoutMs ?? 5000 })),
    ];
    const byCode = (await failures.byCode()).map((f) => {
      // The code table's title for Entra codes, our own reasons from the catalogue: both in the page's language.
      const ours = f.last.aadsts ? undefined : res.locals.lookup(`error.signin_${f.last.reason}`);
      const fromEntra = Boolean(f.last.aadsts || f.last.error);
      return {
        code: f.code,
        count: f.count,
        last: f.last,
        meaning: fromEntra ? explainEntraError({ error: f.last.error ?? '', aadsts: f.last.aadsts }, res.locals.locale).title : (ours ?? f.last.reason),
        // Only a reason the catalogue has no words for is shown as it is (an English identifier).
        meaningIsEnglish: !fromEntra && ours === undefined,
      };
    });
    const checkedAt = new Date().toISOString();
    res.setHeader('Cache-Control', 'no-store');
    if (wantsJson(req)) {
      res.json({ summary: summarize(checks), checks, register: registerValues(config), failures: byCode, config: redactedConfig(config), versions, checkedAt });
      return;
    }
    res.send(
      views.render('admin-status', {
        ...res.locals,
        title: res.locals.t('status.title'),
        navCurrent: PATHS.mhaAdmin,
        summary: summarize(checks),
        checks: orderChecks(checks),
        register: registerValues(config),
        failures: byCode,
        configRows: configRows(config),
        versions,
        checkedAt,
      }),
    );
  });
  return router;
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
