/** Undoes the escaping Eta applies, so page text can be compared with catalogue text. */
function decode(html: string): string {
  return html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Runs of three or more English words in a page fragment: what a Japanese page must not show. Left out:
 * code (<code>: commands, variable values, Entra's own message), URLs, and the portal's menu and button
 * names, which stay in the portal's English form, quoted 「…」 with a Japanese gloss.
 */
export function englishRuns(html: string): string[] {
  const text = decode(html.replace(/<code[^>]*>[\s\S]*?<\/code>/g, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/「[^」]*」/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ');
  return text.match(/[A-Za-z][\w'.-]*(?:[ ,]+[A-Za-z][\w'.-]*){2,}/g) ?? [];
}
