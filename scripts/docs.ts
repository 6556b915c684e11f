/**
 * `npm run docs`: regenerates the generated blocks of docs/entra.md: the AADSTS troubleshooting table
 * (src/auth/entra-errors.ts) and the values to register in Entra (src/auth/registration.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withGeneratedBlocks } from '../src/doctor/troubleshooting.js';

const path = new URL('../docs/entra.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withGeneratedBlocks(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'docs/entra.md is up to date\n' : 'docs/entra.md: generated blocks regenerated\n');
