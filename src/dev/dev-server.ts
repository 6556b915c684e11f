/**
 * `npm run dev`: the Entra emulator and the app together, wired with no configuration.
 * Sign in as B.Simon at http://localhost:3000. `npm run dev -- --fault NAME` (or EMULATOR_FAULT=NAME)
 * reproduces a set-up mistake or an outage (dev-faults.ts); a port in use is said plainly, exit 1.
 */
import { parseConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { start, type Running } from '../start.js';
import { devUsage, parseDevFaults } from './dev-faults.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, EmulatorListenError, startEmulator, type Emulator } from './emulator.js';

const faults = parseDevFaults(process.argv.slice(2), process.env['EMULATOR_FAULT']);
if (typeof faults === 'string') {
  process.stderr.write(`${faults ? `npm run dev: ${faults}\n\n` : ''}${devUsage()}`);
  process.exit(faults ? 2 : 0);
}

const port = Number(process.env['PORT'] ?? 3000);
const emulatorPort = Number(process.env['EMULATOR_PORT'] ?? 3001);
const baseUrl = `http://localhost:${port}`;

function portInUse(what: string, variable: string, taken: number, host: string): never {
  let other = taken + 100;
  if (other === port || other === emulatorPort) other += 1;
  process.stderr.write(
    `npm run dev: port ${taken} on ${host} (${what}) is already in use, perhaps by another \`npm run dev\`.\n` +
      `Stop that process, or choose another port: ${variable}=${other} npm run dev\n`,
  );
  process.exit(1);
}

const redirectPath = faults.find((f) => f.registeredRedirectPath)?.registeredRedirectPath ?? '/auth/callback';
let emulator: Emulator;
try {
  emulator = await startEmulator({
    port: emulatorPort,
    clients: [
      {
        client_id: EMULATOR_CLIENT_ID,
        client_secret: EMULATOR_CLIENT_SECRET,
        redirect_uris: [`${baseUrl}${redirectPath}`],
        post_logout_redirect_uris: [`${baseUrl}/`],
        frontchannel_logout_uri: `${baseUrl}/auth/frontchannel-logout`,
      },
    ],
  });
} catch (err) {
  if (err instanceof EmulatorListenError && err.code === 'EADDRINUSE') portInUse('the Entra emulator', 'EMULATOR_PORT', emulatorPort, '127.0.0.1');
  throw err;
}
for (const fault of faults) fault.emulator?.(emulator);

const config = parseConfig({
  NODE_ENV: 'development',
  PORT: String(port),
  LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
  ENTRA_TENANT_ID: emulator.tenantId,
  ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID,
  ENTRA_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
  ENTRA_AUTHORITY_HOST: emulator.authorityHost,
  BASE_URL: baseUrl,
  ...Object.assign({}, ...faults.map((f) => f.env ?? {})),
});
const logger = createLogger(config.logLevel);
let running: Running;
try {
  running = await start(config, logger, { emulatorBanner: true });
} catch (err) {
  await emulator.close();
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') portInUse('the app', 'PORT', port, '0.0.0.0');
  throw err;
}

const simulating = faults.length === 0 ? '' : `\n  Simulating (npm run dev -- --help lists them all):\n${faults.map((f) => `    ${f.name}: ${f.what}\n`).join('')}`;
process.stdout.write(`
  ┌──────────────────────────────────────────────────────────────────┐
  │  iLOGON_MHA sign-in — DEVELOPMENT with the built-in Entra emulator │
  │  Not Microsoft Entra ID: no real tenant is used.                  │
  │                                                                  │
  │  Open ${`${baseUrl}`.padEnd(59)}│
  │  and sign in as B.Simon (or A.Admin, who has the MHA.Admin role). │
  │  Emulator: ${emulator.authorityHost.padEnd(54)}│
  └──────────────────────────────────────────────────────────────────┘
${simulating}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void running.close().then(() => emulator.close()).then(() => process.exit(0));
  });
}

