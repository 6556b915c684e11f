/**
 * The Entra emulator in its own process, so its CPU (the identity provider's cost) is never counted as
 * the app's. Registers one client whose redirect URIs the orchestrator passes in (the target's port).
 */
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator } from '../../src/dev/emulator.js';
import { APACHE_CALLBACK } from '../apache.js';
import { emit, handle } from './ipc.js';

const base = process.argv[2];
if (!base) throw new Error('usage: emulator.ts <app base url>');

const emulator = await startEmulator({
  clients: [
    {
      client_id: EMULATOR_CLIENT_ID,
      client_secret: EMULATOR_CLIENT_SECRET,
      // The product's callback, express-openid-connect's default one and mod_auth_openidc's (bench/apache.ts).
      redirect_uris: [`${base}/auth/callback`, `${base}/callback`, `${base}${APACHE_CALLBACK}`],
      post_logout_redirect_uris: [`${base}/`],
    },
  ],
});
handle('hits', () => Object.fromEntries(emulator.hits));
emit('ready', {
  authorityHost: emulator.authorityHost,
  tenantId: emulator.tenantId,
  issuer: emulator.issuer,
  clientId: EMULATOR_CLIENT_ID,
  clientSecret: EMULATOR_CLIENT_SECRET,
  discoveryPath: `/${emulator.tenantId}/v2.0/.well-known/openid-configuration`,
  jwksPath: `/${emulator.tenantId}/discovery/v2.0/keys`,
});
