/**
 * `npm run doctor` (in the container: `node dist/doctor.js`): checks the configuration the server would
 * run with against Entra and prints a checklist. Reads the environment like src/server.ts (a `.env` file is
 * loaded if present). Exit code 0 when no check is a problem, 1 otherwise, 2 for a usage error.
 */
import dotenv from 'dotenv';
import { runDoctor } from './doctor/checks.js';
import { formatReport } from './doctor/report.js';
import { VERSION } from './version.js';

const USAGE = `Usage: node dist/doctor.js [--json] [--timeout SECONDS]
  --json             print the report as JSON (for scripts and monitoring)
  --timeout SECONDS  per network call (default: 10)
`;

function parseArgs(argv: readonly string[]): { json: boolean; timeoutMs?: number } | string {
  let json = false;
  let timeoutMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--timeout' || arg.startsWith('--timeout=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      const seconds = Number(value);
      if (!value || !Number.isFinite(seconds) || seconds <= 0 || seconds > 120) return `--timeout: expected seconds from 0.1 to 120 (got "${value ?? ''}")`;
      timeoutMs = Math.round(seconds * 1000);
    } else if (arg === '--help' || arg === '-h') return '';
    else return `unknown option "${arg}"`;
  }
  return { json, ...(timeoutMs ? { timeoutMs } : {}) };
}

const args = parseArgs(process.argv.slice(2));
if (typeof args === 'string') {
  process.stderr.write(`${args ? `${args}\n` : ''}${USAGE}`);
  process.exit(args ? 2 : 0);
}

dotenv.config({ quiet: true });
const report = await runDoctor(process.env, { version: VERSION, ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}) });
process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
process.exitCode = report.ok ? 0 : 1;
