import { Router } from 'express';
import { requireApiAuth, requirePageAuth } from '../auth/require-auth.js';
import type { Views } from '../http/views.js';
import type { MessageKey } from '../i18n/i18n.js';

/** The iLOGON_MHA pages and API: everything here is behind the session gate. */
export function createMhaRouter(views: Views): Router {
  const router = Router();

  router.use('/mha', requirePageAuth);
  router.get('/mha/', (req, res) => {
    res.send(views.render('mha-home', { ...res.locals, title: res.locals.t('mhaHome.title') }));
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
    res.send(views.render('mha-profile', { ...res.locals, title: res.locals.t('profile.title'), rows }));
  });

  router.use('/api', requireApiAuth);
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
