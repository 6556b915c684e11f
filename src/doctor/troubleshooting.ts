import { ENTRA_ERROR_TABLE, fillSteps, FIXER_LABEL } from '../auth/entra-errors.js';

export const TROUBLESHOOTING_START = '<!-- troubleshooting:aadsts:start (generated from src/auth/entra-errors.ts by `npm run docs`; do not edit) -->';
export const TROUBLESHOOTING_END = '<!-- troubleshooting:aadsts:end -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The README's table of AADSTS codes, generated from the same table the error pages and the doctor use,
 * so the documentation cannot drift from the code (a test compares the README with this).
 */
export function troubleshootingTable(): string {
  const rows = ENTRA_ERROR_TABLE.map((e) => {
    const codes = e.codes.map((c) => `AADSTS${c}`).join(', ');
    const steps = fillSteps(e.steps, {})
      .map((s, i) => `${e.steps.length > 1 ? `${i + 1}. ` : ''}${cell(s)}`)
      .join('<br>');
    return `| ${codes} | **${cell(e.title)}.** ${cell(e.cause)} | ${FIXER_LABEL[e.fixer]} | ${steps} |`;
  });
  return [TROUBLESHOOTING_START, '| code | what it means | who fixes it | what to do |', '|---|---|---|---|', ...rows, TROUBLESHOOTING_END].join('\n');
}

/** The README with its generated block replaced; throws when the markers are missing. */
export function withTroubleshootingTable(readme: string): string {
  const start = readme.indexOf(TROUBLESHOOTING_START);
  const end = readme.indexOf(TROUBLESHOOTING_END);
  if (start === -1 || end === -1 || end < start) throw new Error('README.md has no troubleshooting:aadsts markers');
  return readme.slice(0, start) + troubleshootingTable() + readme.slice(end + TROUBLESHOOTING_END.length);
}
