import { Router } from 'express';
import { requireApiAuth, requirePageAuth } from '../auth/require-auth.js';
import { requireRole } from '../auth/authorize.js';
import type { Config } from '../config.js';
import type { Views } from '../http/views.js';
import type { MessageKey } from '../i18n/i18n.js';

/**
 * The iLOGON_MHA pages and API: everything here is behind the session gate, then the optional
 * MHA_REQUIRED_ROLE gate; everything under /mha/admin also needs the admin app role.
 */
export function createMhaRouter(views: Views, authorization: Config['authorization']): Router {
  const router = Router();
  const { adminRole, requiredRole } = authorization;

  router.use('/mha', requirePageAuth);
  if (requiredRole) router.use('/mha', requireRole(requiredRole));
  // A prefix gate: /mha/admin and every page added below it later (status, diagnostics) need the role.
  router.use('/mha/admin', requireRole(adminRole));
  router.get('/mha/admin', (req, res) => {
    res.send(views.render('mha-admin', { ...res.locals, title: res.locals.t('admin.title'), adminRole, requiredRole, navCurrent: '/mha/admin' }));
  });
  router.get('/mha/', (req, res) => {
    res.send(views.render('mha-home', { ...res.locals, title: res.locals.t('mhaHome.title'), navCurrent: '/mha/' }));
  });
  router.get('/mha/profile', (req, res) => {
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
    res.send(views.render('mha-profile', { ...res.locals, title: res.locals.t('profile.title'), rows, navCurrent: '/mha/profile' }));
  });

  router.use('/api', requireApiAuth);
  if (requiredRole) router.use('/api', requireRole(requiredRole));
  router.get('/api/me', (req, res) => {
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
