const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};
const LEADING_H1 = /^\s*<h1>([^<]*)<\/h1>\s*/;

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * Articles often open with `# <lesson title>`; the player already shows the title as the page's
 * heading, so a first heading that repeats it is dropped (any other first heading stays).
 */
export function withoutRepeatedTitle(html: string, title: string): string {
  const match = LEADING_H1.exec(html);
  if (!match) return html;
  const heading = match[1]!.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
  return normalise(heading) === normalise(title) ? html.slice(match[0].length) : html;
}
