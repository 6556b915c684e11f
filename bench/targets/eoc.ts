/**
 * Target (b): what people would otherwise pick. express-openid-connect's `auth()` (its defaults: a
 * rolling, encrypted cookie session holding the tokens) plus `requiresAuth()` on the route, against the
 * emulator. Only the settings the emulator needs are changed: code flow with query response mode and
 * client_secret_post (form_post needs https; the emulator's client authenticates by post).
 *
 * argv: <port> <issuer> <client id> <client secret> (from the emulator)
 */
import express from 'express';
import eoc from 'express-openid-connect';
import { emit, portArg } from './ipc.js';

// A CommonJS package: its named exports are not visible to ESM, so take them off the default export.
const { auth, requiresAuth } = eoc;

const port = portArg();
const [, , , issuer, clientId, clientSecret] = process.argv;
if (!issuer || !clientId || !clientSecret) throw new Error('usage: eoc.ts <port> <issuer> <client id> <client secret>');

const app = express();
app.use(
  auth({
    issuerBaseURL: issuer,
    baseURL: `http://127.0.0.1:${port}`,
    clientID: clientId,
    clientSecret,
    clientAuthMethod: 'client_secret_post',
    secret: 'bench-session-secret-0123456789-0123456789-0123456789',
    authRequired: false,
    idpLogout: false,
    authorizationParams: { response_type: 'code', response_mode: 'query', scope: 'openid profile email' },
  }),
);
app.get('/api/me', requiresAuth(), (req, res) => {
  res.json(req.oidc.user);
});
app.listen(port, '127.0.0.1', () => emit('ready'));
