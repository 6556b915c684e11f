import { ENTRA_ERROR_TABLE, fillSteps, FIXER_LABEL } from '../auth/entra-errors.js';
import { ENTRA_REGISTRATION } from '../auth/registration.js';

export const TROUBLESHOOTING_START = '<!-- troubleshooting:aadsts:start (generated from src/auth/entra-errors.ts by `npm run docs`; do not edit) -->';
export const TROUBLESHOOTING_END = '<!-- troubleshooting:aadsts:end -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * docs/entra.md's table of AADSTS codes, generated from the same table the error pages and the doctor use,
 * so the documentation cannot drift from the code (a test compares docs/entra.md with this).
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

/** The document (docs/entra.md) with its generated block replaced; throws when the markers are missing. */
export function withTroubleshootingTable(readme: string): string {
  const start = readme.indexOf(TROUBLESHOOTING_START);
  const end = readme.indexOf(TROUBLESHOOTING_END);
  if (start === -1 || end === -1 || end < start) throw new Error('docs/entra.md has no troubleshooting:aadsts markers');
  return readme.slice(0, start) + troubleshootingTable() + readme.slice(end + TROUBLESHOOTING_END.length);
}

export const REGISTRATION_START = '<!-- register:start (generated from src/auth/registration.ts by `npm run docs`; do not edit) -->';
export const REGISTRATION_END = '<!-- register:end -->';

/**
 * docs/entra.md's "what to register" table, from the table the server and the doctor use. `BASE_URL` stands
 * for the origin as configured (https://mha.example.com), so a value never doubles its scheme.
 */
export function registrationTable(): string {
  const rows = ENTRA_REGISTRATION.map((e) => `| ${cell(e.field)}${e.multiTenantOnly ? ' (multi-tenant only)' : ''} | \`BASE_URL${e.path}\` | ${cell(e.why)} |`);
  return [REGISTRATION_START, '| where (Authentication) | value | why |', '|---|---|---|', ...rows, REGISTRATION_END].join('\n');
}

/** The document (docs/entra.md) with every generated block replaced; throws when a block's markers are missing. */
export function withGeneratedBlocks(readme: string): string {
  return replaceBlock(withTroubleshootingTable(readme), REGISTRATION_START, REGISTRATION_END, registrationTable());
}

function replaceBlock(text: string, startMarker: string, endMarker: string, block: string): string {
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start === -1 || end === -1 || end < start) throw new Error(`docs/entra.md has no ${startMarker.slice(5, startMarker.indexOf(' ', 5))} markers`);
  // Inside a list item the block keeps the item's indentation, so the list goes on after it.
  const indent = /[ \t]*$/.exec(text.slice(0, start))![0];
  return text.slice(0, start) + block.split('\n').join(`\n${indent}`) + text.slice(end + endMarker.length);
}
