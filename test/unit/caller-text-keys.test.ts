import { describe, expect, it } from 'vitest';
import { catalogueCode, explainEntraError, fillSteps } from '../../src/auth/entra-errors.js';
import { SignInError } from '../../src/errors.js';
import { describeError } from '../../src/error-pages/error-text.js';
import { technicalDetails } from '../../src/error-pages/error-page.js';
import { createTranslator, LOCALES } from '../../src/i18n/i18n.js';

// Every name an object answers without holding it as its own entry.
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

describe('issue 14 item 7: lookups keyed by caller text', () => {
  it.each(PROTOTYPE_NAMES)('issue 14 item 7: the OAuth error "%s" gets the generic explanation, never a member of Object', (name) => {
    const explained = explainEntraError({ error: name });
    expect(explained).toMatchObject({ known: false, title: 'Entra reported an error this product has no specific advice for', fixer: 'admin' });
    expect(fillSteps(explained.steps, {})).toHaveLength(2);
    expect(explainEntraError({ error: name, aadsts: name })).toMatchObject({ known: false, fixer: 'admin' });
    expect(catalogueCode(name)).toBe(name);
  });

  it.each(PROTOTYPE_NAMES)('issue 14 item 7: error pages for the OAuth error "%s" are text in every language', (name) => {
    const err = new SignInError('entra_error', 400, 'Sign-in failed.', { details: { error: name, aadsts: name, description: name } });
    for (const locale of LOCALES) {
      const text = describeError(err, createTranslator(locale));
      expect(typeof text.heading).toBe('string');
      expect(text.heading.length).toBeGreaterThan(0);
      expect(createTranslator(locale).lookup(name)).toBeUndefined();
      expect(createTranslator(locale).lookup(`oauth.${name}.title`)).toBeUndefined();
    }
    expect(technicalDetails(err, {})).toMatchObject({ error: name, fixer: 'admin', helpLink: expect.stringContaining('error?code=') });
  });
});
