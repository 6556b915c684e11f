import { Router } from 'express';
import { requireApiAuth, requirePageAuth } from '../auth/require-auth.js';
import type { AccessPolicy } from '../auth/access-policy.js';
import type { Config } from '../config.js';
import { PATHS } from '../http/paths.js';
import type { Views } from '../http/views.js';
import type { MessageKey } from '../i18n/i18n.js';

/**
 * The iLOGON_MHA pages and API: everything here is behind the session gate, then the access policy
 * (src/auth/access-policy.ts: the optional MHA_REQUIRED_ROLE everywhere, the admin app role under /mha/admin,
 * and under every page added below it later).
 */
export function createMhaRouter(views: Views, authorization: Config['authorization'], policy: AccessPolicy): Router {
  const router = Router();
  const { adminRole, requiredRole } = authorization;

  router.use(PATHS.mha, requirePageAuth, policy.gate);
  router.get(PATHS.mhaAdmin, (req, res) => {
    res.send(views.render('mha-admin', { ...res.locals, title: res.locals.t('admin.title'), adminRole, requiredRole, navCurrent: PATHS.mhaAdmin }));
  });
  router.get(PATHS.mhaHome, (req, res) => {
    res.send(views.render('mha-home', { ...res.locals, title: res.locals.t('mhaHome.title'), navCurrent: PATHS.mhaHome }));
  });
  router.get(PATHS.mhaProfile, (req, res) => {
    const user = req.session.user!;
    const rows: Array<[MessageKey, string]> = [
      ['profile.name', user.name ?? ''],
      ['profile.preferredUsername', user.preferred_username ?? ''],
      ['profile.email', user.email ?? ''],
      ['profile.tid', user.tid],
      ['profile.oid', user.oid],
      ['profile.sub', user.sub],
      ['profile.roles', user.roles.join(', ')],
      ['profile.groups', user.groups.join(', ')],
    ];
    res.send(views.render('mha-profile', { ...res.locals, title: res.locals.t('profile.title'), rows, navCurrent: PATHS.mhaProfile }));
  });

  router.use(PATHS.api, requireApiAuth, policy.gate);
  router.get(PATHS.apiMe, (req, res) => {
    const u = req.session.user!;
    res.json({
      oid: u.oid,
      tid: u.tid,
      sub: u.sub,
      name: u.name ?? null,
      preferred_username: u.preferred_username ?? null,
      email: u.email ?? null,
      roles: u.roles,
    });
  });
  return router;
}
