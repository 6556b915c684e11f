/** One line of the doctor's report (and of the status page): its own module so every check module can name it. */
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
}
