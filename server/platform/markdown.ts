import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * Markdown written by people (course descriptions, articles, reviews one day) → HTML the app may
 * put into a page with `dangerouslySetInnerHTML`. Two independent layers, so a bug in one is not
 * a hole: markdown-it with raw HTML switched off and a scheme allowlist for links and images, then
 * sanitize-html against an explicit allowlist of what markdown-it legitimately produces.
 */

/** The schemes a link may use; anything else (javascript:, data:, vbscript:, file:…) is dropped. */
const LINK_SCHEMES = ['http', 'https', 'mailto'] as const;
/** Images load from the web only: no data: (a cheap way to smuggle content past reviews). */
const IMAGE_SCHEMES = ['http', 'https'] as const;

/** The rel every link gets: user content must not vouch for links nor reach back to the opener. */
export const LINK_REL = 'noopener nofollow ugc';

// Browsers ignore ASCII tabs and newlines anywhere in a URL and leading C0 controls and spaces,
// so `java\tscript:` is javascript:. Strip them before reading the scheme, as the browser would.
const URL_IGNORED = /[\t\n\r]/g;
// eslint-disable-next-line no-control-regex
const URL_LEADING = /^[\u0000-\u0020]+/;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * True when `url` is relative (path, query or fragment) or uses one of `schemes`. Protocol-relative
 * (`//host`) and backslash forms are refused: browsers treat `\\host` like `//host`.
 */
export function isSafeUrl(url: string, schemes: readonly string[] = LINK_SCHEMES): boolean {
  const cleaned = url.replace(URL_IGNORED, '').replace(URL_LEADING, '');
  if (cleaned.startsWith('//') || cleaned.startsWith('\\') || cleaned.startsWith('/\\')) return false;
  const scheme = SCHEME.exec(cleaned)?.[1];
  if (scheme) return schemes.includes(scheme.toLowerCase());
  // No scheme: a colon before the first / ? # would make some parsers read one anyway.
  const head = cleaned.split(/[/?#]/, 1)[0] ?? '';
  return !head.includes(':');
}

const md = new MarkdownIt('default', {
  html: false, // raw HTML in the source is shown as text, never parsed
  linkify: true,
  typographer: false,
  breaks: false,
});
// markdown-it checks links and images with one function; the stricter image rule is applied by
// the sanitiser below (allowedSchemesByTag).
md.validateLink = (url) => isSafeUrl(url, LINK_SCHEMES);

const defaultLinkOpen =
  md.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', LINK_REL);
  return defaultLinkOpen(tokens, idx, options, env, self);
};

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'strong',
    'em',
    's',
    'blockquote',
    'ul',
    'ol',
    'li',
    'code',
    'pre',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    ol: ['start'],
    th: ['style'],
    td: ['style'],
    code: ['class'],
  },
  // Fenced code blocks carry their language for highlighting; nothing else gets a class.
  allowedClasses: { code: ['language-*'] },
  // Table column alignment is the only style markdown-it writes.
  allowedStyles: {
    th: { 'text-align': [/^(left|right|center)$/] },
    td: { 'text-align': [/^(left|right|center)$/] },
  },
  allowedSchemes: [...LINK_SCHEMES],
  allowedSchemesByTag: { img: [...IMAGE_SCHEMES] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
  // Whatever came through, a link always leaves with our rel.
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: LINK_REL } }),
  },
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
};

/** Renders Markdown to sanitised HTML (see the top of this file for the two layers). */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), SANITIZE_OPTIONS);
}

/** Sanitises HTML against the same allowlist as renderMarkdown (exported for tests of layer two). */
export function sanitizeRenderedHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}

/** How many characters (sources plus HTML) the render cache may hold: a few tens of MB at most. */
const CACHE_BUDGET_CHARS = 8_000_000;
const cache = new Map<string, string>();
let cachedChars = 0;

/**
 * renderMarkdown with a per-process LRU cache keyed by the source text. Pages render the same
 * descriptions and articles on every visit, and a long article costs up to a second of CPU; the
 * key is the text itself, so an edit is a new entry and nothing is ever stale.
 */
export function renderMarkdownCached(source: string): string {
  const hit = cache.get(source);
  if (hit !== undefined) {
    // Re-insert: Map keeps insertion order, so the first key is always the least recently used.
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const html = renderMarkdown(source);
  const size = source.length + html.length;
  if (size > CACHE_BUDGET_CHARS / 4) return html;
  cache.set(source, html);
  cachedChars += size;
  for (const [key, value] of cache) {
    if (cachedChars <= CACHE_BUDGET_CHARS) break;
    cache.delete(key);
    cachedChars -= key.length + value.length;
  }
  return html;
}

/**
 * The plain text of Markdown (meta descriptions, share cards): what a reader would read, entities
 * decoded, markup and link targets gone. The result is text, not HTML: escape it where it goes.
 */
export function markdownToText(source: string): string {
  const parts: string[] = [];
  for (const token of md.parse(source, {})) {
    if (token.type === 'inline') {
      for (const child of token.children ?? []) {
        if (child.type === 'text' || child.type === 'code_inline') parts.push(child.content);
        else if (child.type === 'softbreak' || child.type === 'hardbreak') parts.push(' ');
      }
    } else if (token.type === 'fence' || token.type === 'code_block') {
      parts.push(token.content);
    }
    parts.push(' ');
  }
  return parts.join('').replace(/\s+/g, ' ').trim();
}
