import type { Env } from './reader.js';

/**
 * The typo catcher: a variable in the environment that is not ours but is one slip away from one of ours
 * (`SESSION_SECRETS`, `ENTRA_TENNANT_ID`, `trust_proxy`) is silently ignored by the parser, and the server runs
 * with the default instead. It is a warning, not a problem: the environment holds many unrelated variables
 * (HOSTNAME, KUBERNETES_*, npm_*), and a near miss among them must not stop the server. Only names that share
 * our first word (ENTRA_, SESSION_, REDIS_...) or sit close to one of our longer names are considered.
 */
export interface ConfigWarning {
  /** The variable as set in the environment (a name, never its value). */
  readonly variable: string;
  /** Our variable it probably means. */
  readonly suggestion: string;
  /** "`SESSION_SECRETS` is not a variable; did you mean `SESSION_SECRET`?" */
  readonly message: string;
}

const MAX_DISTANCE = 2;
// Below this length a distance of 2 changes half the name (PORT vs HOST): only same-prefix names count there.
const ANY_PREFIX_MIN_LENGTH = 10;

export function typoWarnings(env: Env, known: readonly string[]): ConfigWarning[] {
  const knownSet = new Set(known);
  const prefixes = new Set(known.map(firstWord));
  const warnings: ConfigWarning[] = [];
  for (const name of Object.keys(env)) {
    if (knownSet.has(name) || env[name] === undefined) continue;
    const suggestion = closest(name, known, prefixes);
    if (suggestion !== undefined) {
      warnings.push({ variable: name, suggestion, message: `\`${name}\` is not a variable; did you mean \`${suggestion}\`?` });
    }
  }
  return warnings;
}

function closest(name: string, known: readonly string[], prefixes: ReadonlySet<string>): string | undefined {
  const upper = name.toUpperCase();
  if (known.includes(upper)) return upper; // session_secret: Linux variables are case-sensitive.
  const plural = known.find((k) => singular(k) === singular(upper));
  if (plural !== undefined) return plural;
  const samePrefix = prefixes.has(firstWord(upper));
  let best: string | undefined;
  let bestDistance = MAX_DISTANCE + 1;
  for (const candidate of known) {
    if (!samePrefix && candidate.length < ANY_PREFIX_MIN_LENGTH) continue;
    const d = levenshtein(upper, candidate, bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function firstWord(name: string): string {
  const at = name.indexOf('_');
  return at === -1 ? name : name.slice(0, at);
}

/** TRUST_PROXIES and TRUST_PROXY, SESSION_SECRETS and SESSION_SECRET, meet here. */
function singular(name: string): string {
  if (name.endsWith('IES')) return `${name.slice(0, -3)}Y`;
  if (name.endsWith('S')) return name.slice(0, -1);
  return name;
}

/** Edit distance (insert, delete, substitute), giving up at `limit` (anything >= limit is returned as limit). */
export function levenshtein(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return Math.min(previous[b.length]!, limit);
}
