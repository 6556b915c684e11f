import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAPPED_AADSTS_CODES } from '../../src/auth/entra-errors.js';
import { troubleshootingTable, TROUBLESHOOTING_END, TROUBLESHOOTING_START, withTroubleshootingTable } from '../../src/doctor/troubleshooting.js';

// The generated blocks live in docs/entra.md since issue 16 item 8 (the README keeps a few screens).
const readme = readFileSync(new URL('../../docs/entra.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('\n## ', readme.indexOf('## Troubleshooting') + 3));

describe('README Troubleshooting', () => {
  it.each(MAPPED_AADSTS_CODES.map((c) => [c]))('documents AADSTS%s', (code) => {
    expect(section).toMatch(new RegExp(`\\| (AADSTS\\d+, )*AADSTS${code}(, AADSTS\\d+)* \\|`));
  });

  it('is exactly the table generated from the code table (run `npm run docs` after changing it)', () => {
    expect(section).toContain(TROUBLESHOOTING_START);
    expect(withTroubleshootingTable(readme)).toBe(readme);
  });

  it('notices a README that lost a code', () => {
    const withoutOne = troubleshootingTable().replace(/\n\| AADSTS50105 \|[^\n]*/, '');
    const stale = readme.slice(0, readme.indexOf(TROUBLESHOOTING_START)) + withoutOne + readme.slice(readme.indexOf(TROUBLESHOOTING_END) + TROUBLESHOOTING_END.length);
    expect(stale).not.toContain('| AADSTS50105 |');
    expect(withTroubleshootingTable(stale)).not.toBe(stale);
  });
});
