/**
 * Target (b): what people would otherwise pick. express-openid-connect's `auth()` (its defaults: a
 * rolling, encrypted cookie session holding the tokens) plus `requiresAuth()` on the route, against the
 * emulator. Only the settings the emulator needs are changed: code flow with query response mode and
 * client_secret_post (form_post needs https; the emulator's client authenticates by post).
 *
 * argv: <port> <issuer>
 */
import express from 'express';
import eoc from 'express-openid-connect';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../../src/dev/emulator.js';
import { emit, portArg } from './ipc.js';

// A CommonJS package: its named exports are not visible to ESM, so take them off the default export.
const { auth, requiresAuth } = eoc;

const port = portArg();
const issuer = process.argv[3];
if (!issuer) throw new Error('usage: eoc.ts <port> <issuer>');

const app = express();
app.use(
  auth({
    issuerBaseURL: issuer,
    baseURL: `http://127.0.0.1:${port}`,
    clientID: EMULATOR_CLIENT_ID,
    clientSecret: EMULATOR_CLIENT_SECRET,
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
