import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';

/** Where `vite build` writes the web app (web/vite.config.ts). */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** What a client route tells link previews (Open Graph, Twitter) and search engines. */
export interface PageMeta {
  title: string;
  description: string;
  /** Absolute URL of the page: og:url and the canonical link. */
  url: string;
  /** Absolute URL of the share image, or null. */
  imageUrl: string | null;
}

export interface WebOptions {
  /** The built app; defaults to web/dist. */
  root?: string | undefined;
  /**
   * The share tags of a client route (e.g. a course's landing page), or null for the generic page.
   * Runs on every page load of the app: it must be one cheap query at most, and read as anon.
   */
  pageMeta?: ((path: string) => Promise<PageMeta | null>) | undefined;
}

/** The app's own name, after every page title (web/src/components/Page.tsx does the same). */
const SITE_NAME = 'UsefulWriter';

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * index.html with the page's own title, description, canonical link and Open Graph / Twitter
 * tags in place of the generic title and description. Every value is escaped: they are authors' text.
 */
export function withPageMeta(indexHtml: string, meta: PageMeta): string {
  const e = escapeHtml;
  const title = `${meta.title} · ${SITE_NAME}`;
  const tags = [
    `<title>${e(title)}</title>`,
    `<meta name="description" content="${e(meta.description)}" />`,
    `<link rel="canonical" href="${e(meta.url)}" />`,
    `<meta property="og:type" content="website" />`,
    `<meta property="og:site_name" content="${SITE_NAME}" />`,
    `<meta property="og:title" content="${e(meta.title)}" />`,
    `<meta property="og:description" content="${e(meta.description)}" />`,
    `<meta property="og:url" content="${e(meta.url)}" />`,
    ...(meta.imageUrl ? [`<meta property="og:image" content="${e(meta.imageUrl)}" />`] : []),
    `<meta name="twitter:card" content="${meta.imageUrl ? 'summary_large_image' : 'summary'}" />`,
  ];
  return indexHtml
    .replace(/\s*<title>[\s\S]*?<\/title>/i, '')
    .replace(/\s*<meta\s+name="description"[^>]*>/i, '')
    .replace(/\s*<\/head>/i, `\n    ${tags.join('\n    ')}\n  </head>`);
}

const YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * The content security policy of the app's pages: only our own scripts and styles, API calls to
 * ourselves, no plugins, no framing. Images may come from https (avatars and thumbnails are URLs
 * people give), and so may lesson videos (a video lesson is an upload or a URL the author gives);
 * the mailbox shows emails in sandboxed `srcdoc` frames, which inherit this policy.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' https: data:",
  "media-src 'self' https:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the single-page web app: files from web/dist (hashed files under /assets/ cached for a
 * year, everything else revalidated), and index.html for any other GET that is not an API path, so
 * client routes (/courses/x, /account/profile, /my-learning, /learn/<slug>/<lessonId>) load the app. /api/* never falls back: unknown API
 * paths stay JSON 404s. Registered last, so every real route wins over the catch-all.
 */
export const webPlugin = fp<WebOptions>(
  async (app: FastifyInstance, options) => {
    const root = resolve(options.root ?? WEB_DIST_DIR);
    const indexPath = join(root, 'index.html');
    if (!existsSync(indexPath)) {
      app.log.warn({ root }, 'web app not built: run `npm run build:web` (npm start does it for you)');
    }

    await app.register(fastifyStatic, { root, serve: false, index: false });

    // index.html changes only when the app is rebuilt: keep it in memory, re-read when its mtime moves.
    let cachedIndex: { mtimeMs: number; html: string } | null = null;
    const readIndex = (): string => {
      const { mtimeMs } = statSync(indexPath);
      if (cachedIndex?.mtimeMs !== mtimeMs) cachedIndex = { mtimeMs, html: readFileSync(indexPath, 'utf8') };
      return cachedIndex.html;
    };

    const sendIndex = (reply: FastifyReply, meta: PageMeta | null = null) => {
      if (!existsSync(indexPath)) {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(
            'The web app is not built yet. Run `npm run build:web` (or `npm start`, which builds it) and reload.',
          );
      }
      reply.header('content-security-policy', CSP).header('cache-control', 'no-cache');
      if (meta) return reply.type('text/html; charset=utf-8').send(withPageMeta(readIndex(), meta));
      return reply.sendFile('index.html', root, { cacheControl: false });
    };

    const findMeta = async (path: string): Promise<PageMeta | null> => {
      if (!options.pageMeta || !existsSync(indexPath)) return null;
      try {
        return await options.pageMeta(path);
      } catch (error) {
        // Share tags are a nicety: without the database the app itself must still load.
        app.log.warn(
          { err: error, path: path.slice(0, 200) },
          'page meta lookup failed; serving the generic page',
        );
        return null;
      }
    };

    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const path = decodePath(request.url);
      if (path === null) throw new AppError('bad_request', 'The path is not valid.');
      if (path === '/api' || path.startsWith('/api/')) {
        throw new AppError('not_found', `No route for ${request.method} ${path.slice(0, 200)}.`);
      }
      const file = path === '/' ? null : fileUnder(root, path);
      if (file) {
        // Hashed names change with their content: cache them for a year. Others (favicon) revalidate.
        const immutable = path.startsWith('/assets/');
        reply.header('cache-control', immutable ? `public, max-age=${YEAR_SECONDS}, immutable` : 'no-cache');
        return reply.sendFile(path.slice(1), root, { cacheControl: false });
      }
      // A missing file (a stale hashed asset, /robots.txt) is a 404, not the app.
      if (extname(path) !== '') throw new AppError('not_found', `No file at ${path.slice(0, 200)}.`);
      return sendIndex(reply, await findMeta(path));
    });
  },
  { name: 'usefulwriter-web', fastify: '5.x' },
);

function decodePath(url: string): string | null {
  try {
    return decodeURIComponent(url.split('?')[0] ?? '/');
  } catch {
    return null;
  }
}

/** The file `path` names inside `root`, or null when it is missing, a folder, or escapes root. */
function fileUnder(root: string, path: string): string | null {
  if (path.includes('\0')) return null;
  const full = resolve(root, `.${path}`);
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    return statSync(full).isFile() ? full : null;
  } catch {
    return null;
  }
}
