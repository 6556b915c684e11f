import type { Check } from './check.js';
import type { DoctorReport } from './checks.js';
import { ENTRA_REGISTRATION } from '../auth/registration.js';

const LABEL: Record<Check['status'], string> = { ok: 'ok     ', warning: 'warning', problem: 'problem', skipped: 'skipped' };

/** The checklist for a terminal: one line per check, its fix indented below, then what to register. */
export function formatReport(report: DoctorReport): string {
  const out: string[] = [`iLOGON_MHA sign-in doctor ${report.version} — ${report.generatedAt}`, ''];
  const width = Math.max(...report.checks.map((c) => c.title.length));
  for (const c of report.checks) {
    out.push(`  ${LABEL[c.status]}  ${c.title.padEnd(width)}  ${c.message}`);
    const indent = ' '.repeat(13 + width);
    if (c.status === 'warning' || c.status === 'problem') {
      (c.fix ?? []).forEach((step, i) => out.push(`${indent}${c.fix!.length > 1 ? `${i + 1}. ` : 'fix: '}${step}`));
      if (c.helpLink) out.push(`${indent}${c.helpLink}`);
    }
  }
  if (report.register) {
    const values = report.register as unknown as Record<string, string | undefined>;
    const rows = ENTRA_REGISTRATION.filter((e) => values[e.key] !== undefined);
    const width = Math.max(...rows.map((e) => e.field.length));
    out.push('', 'Register in Entra (App registrations > iLOGON_MHA > Authentication, platform "Web"):');
    for (const e of rows) out.push(`  ${e.field.padEnd(width)}   ${values[e.key]}   (${e.why})`);
  }
  const { problem, warning } = report.summary;
  out.push(
    '',
    problem === 0
      ? `Result: no problems${warning ? `, ${warning} warning${warning === 1 ? '' : 's'}` : ''}.`
      : `Result: ${problem} problem${problem === 1 ? '' : 's'}${warning ? `, ${warning} warning${warning === 1 ? '' : 's'}` : ''}. Fix them, then run the doctor again.`,
    '',
  );
  return out.join('\n');
}
