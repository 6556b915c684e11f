import { maskUrlCredentials } from '../url-credentials.js';
import { isLoopbackHost } from '../http/loopback.js';

/**
 * The one way configuration is read: each helper takes the variable's name once, trims it, applies the
 * default, and records a problem as `{ variable, message }` instead of throwing, so every problem of an
 * environment is reported in one go. Sections (server.ts, entra.ts...) use only this module to touch `env`.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** One thing wrong with one variable. `message` says what is wrong and what is expected; never a secret. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/** The line an admin reads ("VARIABLE: message"): the wording every test and the README quote. */
export function renderProblem(problem: ConfigProblem): string {
  return `${problem.variable}: ${problem.message}`;
}

/**
 * The inverse of renderProblem, only for the two parsers that still collect lines (auth/client-credential.ts,
 * redis/redis-config.ts, whose own tests pass a string array). Splits at the first ": ".
 */
export function problemFromLine(line: string): ConfigProblem {
  const at = line.indexOf(': ');
  return at === -1 ? { variable: 'Configuration', message: line } : { variable: line.slice(0, at), message: line.slice(at + 2) };
}

const TRUE = /^(true|1|yes|on)$/i;
const FALSE = /^(false|0|no|off)$/i;

export interface OriginOptions {
  /** Put between the reason and "(got ...)", e.g. ", e.g. https://mha.example.com". */
  readonly hint?: string;
  /** Plain http only for a loopback host (the emulator); anything else must be https. */
  readonly httpsUnlessLoopback?: boolean;
}

export class Reader {
  readonly problems: ConfigProblem[] = [];
  readonly #env: Env;
  readonly #known: ReadonlySet<string>;

  /** `known`: every variable the sections declare; reading any other is a programming error (see README). */
  constructor(env: Env, known: ReadonlySet<string>) {
    this.#env = env;
    this.#known = known;
  }

  /** The trimmed value, or undefined when unset or blank. */
  string(name: string): string | undefined {
    if (!this.#known.has(name)) throw new Error(`config: ${name} is read but not declared in its section's VARIABLES`);
    const raw = Object.hasOwn(this.#env, name) ? this.#env[name] : undefined;
    if (raw === undefined) return undefined;
    const trimmed = raw.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /** For the parsers that take a `(name) => value` function. */
  readonly value = (name: string): string | undefined => this.string(name);

  problem(variable: string, message: string): void {
    this.problems.push({ variable, message });
  }

  /** Problems collected by a parser that still writes "VARIABLE: message" lines. */
  problemLines(lines: readonly string[]): void {
    for (const line of lines) this.problems.push(problemFromLine(line));
  }

  hasProblem(variable: string): boolean {
    return this.problems.some((p) => p.variable === variable);
  }

  /** A whole number in [min, max]; the fallback when unset or wrong. */
  int(name: string, fallback: number, min: number, max: number): number {
    return this.optionalInt(name, min, max) ?? fallback;
  }

  optionalInt(name: string, min: number, max: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problem(name, `expected a whole number from ${min} to ${max} (got "${raw}")`);
      return undefined;
    }
    return Number(raw);
  }

  /** true/1/yes/on or false/0/no/off, any case. */
  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (TRUE.test(raw)) return true;
    if (FALSE.test(raw)) return false;
    this.problem(name, `expected true or false (got "${raw}")`);
    return fallback;
  }

  /**
   * One of `choices`, compared in lower case. `expected` words the problem (default "a, b or c");
   * the value echoed is lower-cased when `echoLowerCase` (as LOG_LEVEL and ENTRA_CLOUD always did).
   */
  oneOf<T extends string>(
    name: string,
    choices: readonly T[],
    fallback: T,
    options: { expected?: string; suffix?: string; echoLowerCase?: boolean; lowerCase?: boolean } = {},
  ): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const candidate = options.lowerCase === false ? raw : raw.toLowerCase();
    if ((choices as readonly string[]).includes(candidate)) return candidate as T;
    const expected = options.expected ?? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
    this.problem(name, `expected ${expected} (got "${options.echoLowerCase ? raw.toLowerCase() : raw}")${options.suffix ?? ''}`);
    return fallback;
  }

  /** Comma list, entries trimmed; empty entries dropped unless `keepEmpty`. Undefined when unset. */
  list(name: string, options: { keepEmpty?: boolean } = {}): string[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const entries = raw.split(',').map((s) => s.trim());
    return options.keepEmpty ? entries : entries.filter(Boolean);
  }

  /** An http(s) origin with nothing after it (scheme, host, port). Credentials in the URL are never echoed. */
  origin(name: string, options: OriginOptions = {}): URL | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const got = `(got "${maskUrlCredentials(raw)}")`;
    const parsed = parseOrigin(raw);
    if (typeof parsed === 'string') {
      this.problem(name, `${parsed}${options.hint ?? ''} ${got}`);
      return undefined;
    }
    if (options.httpsUnlessLoopback && parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      this.problem(name, `must use https; plain http is allowed only for a loopback host such as the emulator ${got}`);
      return undefined;
    }
    return parsed;
  }
}

/** An http(s) origin with nothing after it; returns a reason string when it is not one. */
export function parseOrigin(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'expected an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'expected an http(s) URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.pathname !== '/' || url.search || url.hash) return 'expected only scheme, host and port, with no path, query or fragment';
  return url;
}
