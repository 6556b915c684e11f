/**
 * Reads docker-compose.yml without Docker or a YAML library: the subset of YAML the file uses (block mappings
 * and sequences, flow sequences, quoted and plain scalars, comments, `&anchor` on a mapping and `*alias`).
 * Anything outside that subset throws, so a change to the file that this cannot read fails loudly.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const COMPOSE_PATH = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

export type Yaml = string | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly number: number;
}

export function readCompose(path = COMPOSE_PATH): Record<string, Yaml> {
  return parseYamlSubset(readFileSync(path, 'utf8')) as Record<string, Yaml>;
}

export function parseYamlSubset(source: string): Yaml {
  const lines: Line[] = source
    .split('\n')
    .map((raw, n) => ({ raw: withoutComment(raw), number: n + 1 }))
    .filter(({ raw }) => raw.trim() !== '')
    .map(({ raw, number }) => {
      if (raw.includes('\t')) throw new Error(`line ${number}: tabs are not YAML indentation`);
      return { indent: raw.length - raw.trimStart().length, text: raw.trim(), number };
    });
  const anchors = new Map<string, Yaml>();
  let i = 0;

  const fail = (line: Line | undefined, why: string): never => {
    throw new Error(`docker-compose subset parser, line ${line?.number ?? 'end'}: ${why}`);
  };

  function block(indent: number): Yaml {
    return lines[i]!.text.startsWith('- ') ? sequence(indent) : mapping(indent);
  }

  function mapping(indent: number): Record<string, Yaml> {
    const out: Record<string, Yaml> = {};
    while (i < lines.length && lines[i]!.indent === indent) {
      const line = lines[i]!;
      const m = /^("[^"]*"|'[^']*'|[^\s:"'][^:]*?):(?:\s+(.*))?$/.exec(line.text);
      if (!m) fail(line, `expected "key: value", got "${line.text}"`);
      i++;
      const key = scalar(m![1]!);
      let rest = m![2];
      let anchor: string | undefined;
      if (rest?.startsWith('&')) {
        const space = rest.indexOf(' ');
        anchor = space < 0 ? rest.slice(1) : rest.slice(1, space);
        rest = space < 0 ? undefined : rest.slice(space + 1).trim();
      }
      let value: Yaml;
      if (rest === undefined) {
        const next = lines[i];
        value = next && next.indent > indent ? block(next.indent) : null;
      } else {
        value = inline(rest, line);
      }
      if (key in out) fail(line, `duplicate key "${key}"`);
      if (anchor) anchors.set(anchor, value);
      out[key] = value;
    }
    if (i < lines.length && lines[i]!.indent > indent) fail(lines[i], 'unexpected indentation');
    return out;
  }

  function sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('- ')) {
      const line = lines[i]!;
      const item = line.text.slice(2).trim();
      if (/^[\w.-]+:(\s|$)/.test(item)) fail(line, 'mappings inside sequences are outside the subset');
      out.push(inline(item, line));
      i++;
    }
    return out;
  }

  function inline(text: string, line: Line): Yaml {
    if (text.startsWith('*')) {
      const name = text.slice(1);
      if (!anchors.has(name)) fail(line, `unknown alias *${name}`);
      return anchors.get(name)!;
    }
    if (text.startsWith('[')) {
      if (!text.endsWith(']')) fail(line, 'a flow sequence must end on its line');
      const inner = text.slice(1, -1).trim();
      return inner === '' ? [] : splitFlow(inner).map((part) => inline(part.trim(), line));
    }
    if (text.startsWith('{') || text.startsWith('|') || text.startsWith('>')) fail(line, `"${text[0]}" values are outside the subset`);
    return scalar(text);
  }

  const result = lines.length === 0 ? null : block(lines[0]!.indent);
  if (i < lines.length) fail(lines[i], 'unexpected content');
  return result;
}

/** A plain or quoted scalar as a string (compose reads environment values as strings anyway). */
function scalar(text: string): string {
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  return text;
}

function splitFlow(text: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      parts.push(text.slice(start, k));
      start = k + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Drops a comment: a `#` at the start or after a space, outside quotes. */
function withoutComment(raw: string): string {
  let quote = '';
  for (let k = 0; k < raw.length; k++) {
    const c = raw[k]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (k === 0 || raw[k - 1] === ' ')) return raw.slice(0, k).trimEnd();
  }
  return raw;
}
