import { z } from 'zod';

/** The longest Markdown the preview renders: the longest article a lesson may hold. */
export const MARKDOWN_PREVIEW_MAX_CHARS = 200_000;

/** The authoring editor's live preview: Markdown in, sanitised HTML out (server/platform/markdown.ts). */
export const markdownPreviewSchema = z
  .object({ markdown: z.string().max(MARKDOWN_PREVIEW_MAX_CHARS) })
  .strict()
  .meta({ id: 'MarkdownPreviewRequest' });
export type MarkdownPreviewInput = z.infer<typeof markdownPreviewSchema>;

export const markdownHtmlSchema = z
  .object({
    /** Sanitised: safe to insert into a page as HTML. */
    html: z.string(),
  })
  .meta({ id: 'MarkdownHtml' });
export type MarkdownHtml = z.infer<typeof markdownHtmlSchema>;
