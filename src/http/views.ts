import { Eta } from 'eta';
import { fileURLToPath } from 'node:url';

/** Renders templates from views/; Eta escapes every `<%= %>` output, so claims can never inject markup. */
export interface Views {
  render(name: string, data: Record<string, unknown>): string;
}

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export function createViews(options: { cache: boolean; dir?: string }): Views {
  const eta = new Eta({ views: options.dir ?? VIEWS_DIR, cache: options.cache, autoEscape: true, autoTrim: false });
  return {
    render(name, data) {
      return eta.render(name, data);
    },
  };
}
