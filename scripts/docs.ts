/** `npm run docs`: regenerates the README's AADSTS troubleshooting table from src/auth/entra-errors.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withTroubleshootingTable } from '../src/doctor/troubleshooting.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withTroubleshootingTable(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md: troubleshooting table regenerated\n');
