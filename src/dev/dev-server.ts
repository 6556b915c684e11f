/**
 * `npm run dev`: the Entra emulator and the app together, wired with no configuration.
 * Sign in as B.Simon at http://localhost:3000.
 */
import { parseConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { start } from '../start.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator } from './emulator.js';

const port = Number(process.env['PORT'] ?? 3000);
const emulatorPort = Number(process.env['EMULATOR_PORT'] ?? 3001);
const baseUrl = `http://localhost:${port}`;

const emulator = await startEmulator({
  port: emulatorPort,
  clients: [
    {
      client_id: EMULATOR_CLIENT_ID,
      client_secret: EMULATOR_CLIENT_SECRET,
      redirect_uris: [`${baseUrl}/auth/callback`],
      post_logout_redirect_uris: [`${baseUrl}/`],
      frontchannel_logout_uri: `${baseUrl}/auth/frontchannel-logout`,
    },
  ],
});

const config = parseConfig({
  NODE_ENV: 'development',
  PORT: String(port),
  LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
  ENTRA_TENANT_ID: emulator.tenantId,
  ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID,
  ENTRA_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
  ENTRA_AUTHORITY_HOST: emulator.authorityHost,
  BASE_URL: baseUrl,
});
const logger = createLogger(config.logLevel);
const running = await start(config, logger, { emulatorBanner: true });

process.stdout.write(`
  ┌──────────────────────────────────────────────────────────────────┐
  │  iLOGON_MHA sign-in — DEVELOPMENT with the built-in Entra emulator │
  │  Not Microsoft Entra ID: no real tenant is used.                  │
  │                                                                  │
  │  Open ${`${baseUrl}`.padEnd(59)}│
  │  and sign in as B.Simon (or A.Admin, who has the MHA.Admin role). │
  │  Emulator: ${emulator.authorityHost.padEnd(54)}│
  └──────────────────────────────────────────────────────────────────┘
`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void running.close().then(() => emulator.close()).then(() => process.exit(0));
  });
}
