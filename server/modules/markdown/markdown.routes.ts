import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  MARKDOWN_PREVIEW_MAX_CHARS,
  markdownHtmlSchema,
  markdownPreviewSchema,
} from '../../../contracts/markdown.ts';
import { createPreviewLimiter, previewMarkdown } from './markdown.service.ts';

/**
 * Enough bytes for the longest preview in UTF-8 (≤ 4 bytes a character) plus the JSON around it,
 * and no more: the editor posts on every pause in typing, so a big body is refused before parsing.
 */
export const MARKDOWN_PREVIEW_BODY_LIMIT = MARKDOWN_PREVIEW_MAX_CHARS * 4 + 1024;

/** Markdown rendering for editors (live preview). Registered under /api. */
export const markdownRoutes: FastifyPluginAsyncZod = async (app) => {
  const limiter = createPreviewLimiter();

  app.post(
    '/markdown/preview',
    {
      bodyLimit: MARKDOWN_PREVIEW_BODY_LIMIT,
      schema: {
        tags: ['markdown'],
        summary: 'Render Markdown to sanitised HTML, as course pages show it (signed-in users)',
        security: [{ bearerAuth: [] }],
        body: markdownPreviewSchema,
        response: {
          200: markdownHtmlSchema,
          400: errorBodySchema,
          401: errorBodySchema,
          403: errorBodySchema,
          413: errorBodySchema,
          429: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      // The same Markdown always renders the same HTML, but the answer is per user: no shared caches.
      reply.header('cache-control', 'no-store');
      return previewMarkdown(request, request.body, limiter);
    },
  );
};
