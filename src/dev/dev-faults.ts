/**
 * `npm run dev -- --fault NAME` (or EMULATOR_FAULT=NAME,NAME): the set-up mistakes and outages an admin meets,
 * reproduced by the emulator from the command line, so anyone can see each page, /readyz answer and log line
 * without writing code. Each fault either changes the emulator (emulator-faults.ts) or the app's own
 * configuration (a wrong secret, a tenant that does not exist), exactly as the real mistake would.
 */
import type { Emulator } from './emulator.js';

/** A tenant GUID no Entra knows: the "typo" of unknown-tenant. */
export const UNKNOWN_TENANT_ID = '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a17';
/** A well-formed secret that is not the registered one. */
export const WRONG_SECRET = 'Zx8Q~this.is-not_the-registered-secret-0123';

export interface DevFault {
  readonly name: string;
  /** What it reproduces, and what you will see. */
  readonly what: string;
  /** Changes to the app's environment (applied before the configuration is parsed). */
  readonly env?: Readonly<Record<string, string>>;
  /** Changes to the emulator (a switch of emulator.faults, or an outage). */
  readonly emulator?: (emulator: Emulator) => void;
  /** The app registration's redirect URI, when the fault is that it differs from the app's. */
  readonly registeredRedirectPath?: string;
}

export const DEV_FAULTS: readonly DevFault[] = [
  {
    name: 'expired-secret',
    what: 'the client secret has expired (AADSTS7000222): /readyz says degraded at start; every sign-in fails at the token request',
    emulator: (e) => (e.faults.secretExpired = true),
  },
  {
    name: 'wrong-secret',
    what: 'the client secret is not the registered one (AADSTS7000215): /readyz says degraded at start; every sign-in fails',
    env: { ENTRA_CLIENT_SECRET: WRONG_SECRET },
  },
  {
    name: 'unassigned-user',
    what: '"Assignment required" with nobody assigned (AADSTS50105): every account is refused after the account picker',
    emulator: (e) => (e.faults.usersUnassigned = true),
  },
  {
    name: 'clock-skew',
    what: "Entra's clock is 10 minutes ahead of this machine's: ID tokens look issued in the future and every sign-in fails; the doctor measures the skew",
    emulator: (e) => (e.faults.clockSkewSeconds = 600),
  },
  {
    name: 'entra-down',
    what: 'Entra cannot be reached (every answer 503): the "starting up" page, /readyz not ready; sign-in keeps retrying',
    emulator: (e) => (e.available = false),
  },
  {
    name: 'unknown-tenant',
    what: `ENTRA_TENANT_ID names a tenant Entra does not know (AADSTS90002, here ${UNKNOWN_TENANT_ID}): the "not set up correctly" page, /readyz names the cause and the fix`,
    env: { ENTRA_TENANT_ID: UNKNOWN_TENANT_ID },
  },
  {
    name: 'unregistered-redirect-uri',
    what: "the redirect URI is not registered for the app (AADSTS50011): Entra's own error page, showing the rejected URI",
    registeredRedirectPath: '/signin-oidc',
  },
];

export const DEV_FAULT_NAMES: readonly string[] = DEV_FAULTS.map((f) => f.name);

export function devUsage(): string {
  const width = Math.max(...DEV_FAULT_NAMES.map((n) => n.length));
  return [
    'Usage: npm run dev [-- --fault NAME[,NAME...]]   (or EMULATOR_FAULT=NAME[,NAME...] npm run dev)',
    '',
    'Faults the emulator reproduces:',
    ...DEV_FAULTS.map((f) => `  ${f.name.padEnd(width)}  ${f.what}`),
    '',
  ].join('\n');
}

/**
 * The faults asked for by `--fault NAME`, `--fault=NAME` (repeatable, comma lists allowed) and the
 * EMULATOR_FAULT variable; a string is a usage error to print (empty for --help).
 */
export function parseDevFaults(argv: readonly string[], envValue: string | undefined): DevFault[] | string {
  const names: string[] = [];
  const add = (list: string) => names.push(...list.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean));
  if (envValue) add(envValue);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return '';
    if (arg === '--fault') {
      const next = argv[++i];
      if (next === undefined) return '--fault needs a name';
      add(next);
    } else if (arg.startsWith('--fault=')) add(arg.slice('--fault='.length));
    else return `unknown option "${arg}"`;
  }
  const unknown = names.filter((n) => !DEV_FAULT_NAMES.includes(n));
  if (unknown.length > 0) return `unknown fault ${unknown.map((n) => `"${n}"`).join(', ')}`;
  return DEV_FAULTS.filter((f) => names.includes(f.name));
}
