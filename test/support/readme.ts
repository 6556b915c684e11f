/**
 * The documentation's own text (README.md and docs/*.md), for tests that run or check the snippets operators
 * copy from it: a snippet that is only a copy in a test can drift from the docs without any test noticing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));
const DOCS_DIR = new URL('../../docs/', import.meta.url);

/** README.md, then every page of docs/ (the long sections moved there in issue 16 item 8). */
function documentation(): string[] {
  const pages = readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md')).sort();
  return [readFileSync(README_PATH, 'utf8'), ...pages.map((f) => readFileSync(new URL(f, DOCS_DIR), 'utf8'))];
}

/** The one page holding a heading; throws when none or several do, so a section is never read from the wrong page. */
function pageWith(heading: string): string {
  const pages = documentation().filter((text) => headingLine(text.split('\n'), heading) >= 0);
  if (pages.length !== 1) throw new Error(`README.md and docs/ have ${pages.length} headings "${heading}", expected one`);
  return pages[0]!;
}

function headingLine(lines: string[], heading: string): number {
  let inFence = false;
  return lines.findIndex((l) => {
    if (l.startsWith('```')) inFence = !inFence;
    return !inFence && /^#{1,6} /.test(l) && l.replace(/^#+ /, '') === heading;
  });
}

/** A section by its heading text (any level), up to the next heading of the same or a higher level. */
export function readmeSection(heading: string, text = pageWith(heading)): string {
  const lines = text.split('\n');
  const start = headingLine(lines, heading);
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  let inFence = false;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i]!.startsWith('```')) inFence = !inFence;
    const m = /^(#+) /.exec(lines[i]!);
    if (!inFence && m && m[1]!.length <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join('\n');
}

/** The fenced code blocks of one language (```nginx, ```yaml ...) in a piece of Markdown, in order. */
export function codeBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(/^```([\w-]*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === language).map((m) => m[2]!);
}

/** The one block of that language in the section; throws when there is none or more than one. */
export function readmeSnippet(heading: string, language: string): string {
  const blocks = codeBlocks(readmeSection(heading), language);
  if (blocks.length !== 1) throw new Error(`README "${heading}": expected one \`\`\`${language} block, found ${blocks.length}`);
  return blocks[0]!;
}
