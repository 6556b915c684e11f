/** One line of the doctor's report (and of the status page): its own module so every check module can name it. */
import type { Bilingual } from './messages.js';

export type CheckStatus = 'ok' | 'warning' | 'problem' | 'skipped';

export interface Check {
  /** Stable id (`discovery`, `client_credentials`...), several lines may share one (`config`). */
  readonly id: string;
  /** What is checked, e.g. the variable name. */
  readonly title: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to do, in order (present for warnings and problems). */
  readonly fix?: readonly string[];
  readonly aadsts?: string;
  readonly helpLink?: string;
  /** For a problem Entra answered: the code table's title ("The tenant was not found"). */
  readonly cause?: string;
  /**
   * The message, fix and cause in the other page languages (src/doctor/messages.ts, the code table's `ja`),
   * for the admin status page; `message`, `fix` and `cause` above are English (CLI, JSON, logs). Absent: the
   * line has English words only (a parser's or a library's), and the page marks it lang="en".
   */
  readonly translations?: { readonly ja?: CheckText };
}

/** A check's words in one language other than English. */
export interface CheckText {
  readonly message: string;
  readonly fix?: readonly string[];
  readonly cause?: string;
}

/** A check's message and fix from bilingual lines: English in `message`/`fix`, Japanese in `translations`. */
export function worded(message: Bilingual, fix?: readonly Bilingual[]): Pick<Check, 'message' | 'fix' | 'translations'> {
  return {
    message: message.en,
    ...(fix ? { fix: fix.map((f) => f.en) } : {}),
    translations: { ja: { message: message.ja, ...(fix ? { fix: fix.map((f) => f.ja) } : {}) } },
  };
}
