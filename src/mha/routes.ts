import { Router } from 'express';
import { requireApiAuth, requirePageAuth } from '../auth/require-auth.js';
import type { Views } from '../http/views.js';

/** The iLOGON_MHA pages and API: everything here is behind the session gate. */
export function createMhaRouter(views: Views): Router {
  const router = Router();

  router.use('/mha', requirePageAuth);
  router.get('/mha/', (req, res) => {
    res.send(views.render('mha-home', { ...res.locals, title: 'Home' }));
  });
  router.get('/mha/profile', (req, res) => {
    const user = req.session.user!;
    const rows: Array<[string, string]> = [
      ['Name', user.name ?? ''],
      ['Username (preferred_username)', user.preferred_username ?? ''],
      ['Email', user.email ?? ''],
      ['Tenant ID (tid)', user.tid],
      ['Object ID (oid)', user.oid],
      ['Subject (sub)', user.sub],
      ['App roles (roles)', user.roles.join(', ')],
      ['Groups (groups)', user.groups.join(', ')],
    ];
    res.send(views.render('mha-profile', { ...res.locals, title: 'Your profile', rows }));
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
