import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState, type TextareaHTMLAttributes } from 'react';
import { z } from 'zod';
import { Spinner } from '../../components/Feedback.tsx';
import { api, isApiError } from '../../lib/api.ts';

/** POST /api/markdown/preview answers `{ html }`: Markdown rendered and sanitised by the server. */
const markdownPreviewSchema = z.object({ html: z.string() });

const PREVIEW_DELAY_MS = 400;

/** `value`, once it has stopped changing for `delay` ms. */
export function useDebouncedValue<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

/**
 * The server's rendering of some Markdown, asked for once typing pauses. The previous preview stays
 * on screen while the next one loads, so the pane does not flicker at every pause.
 */
export function useMarkdownPreview(markdown: string) {
  const settled = useDebouncedValue(markdown, PREVIEW_DELAY_MS);
  const query = useQuery({
    queryKey: ['markdown-preview', settled],
    queryFn: () => api.post('/api/markdown/preview', markdownPreviewSchema, { markdown: settled }),
    enabled: settled.trim() !== '',
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
  return { ...query, isSettling: settled !== markdown };
}

interface MarkdownEditorProps extends Omit<
  TextareaHTMLAttributes<HTMLTextAreaElement>,
  'value' | 'onChange'
> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  error?: string;
  name: string;
}

/**
 * A Markdown textarea with the server's live preview beside it (below it on a phone). The preview
 * HTML comes only from POST /api/markdown/preview, which sanitises it: that is the one reason it
 * may be set as HTML here.
 */
export function MarkdownEditor({
  label,
  value,
  onChange,
  hint,
  error,
  name,
  rows = 12,
  ...rest
}: MarkdownEditorProps) {
  const id = useId();
  const preview = useMarkdownPreview(value);
  const hintText =
    hint ?? 'Markdown: **bold**, _italic_, # headings, - lists, [links](https://…), ``` code ```.';
  const describedBy = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ');

  let previewBody;
  if (value.trim() === '') previewBody = <p className="muted">Nothing to preview yet.</p>;
  else if (preview.isError && !preview.data)
    previewBody = (
      <p className="muted">
        {isApiError(preview.error, 'not_found')
          ? 'The preview is not available on this server.'
          : 'The preview could not be rendered just now; your text is kept.'}
      </p>
    );
  else if (!preview.data) previewBody = <Spinner label="Rendering the preview" />;
  else
    previewBody = (
      // Sanitised by the server (POST /api/markdown/preview); never HTML from anywhere else.
      <div className="markdown-body" dangerouslySetInnerHTML={{ __html: preview.data.html }} />
    );

  return (
    <div className={error ? 'field markdown-editor field-invalid' : 'field markdown-editor'}>
      <div className="markdown-editor-panes">
        <div className="markdown-editor-source">
          <label htmlFor={id} className="field-label">
            {label}
          </label>
          <textarea
            id={id}
            name={name}
            className="input textarea markdown-textarea"
            rows={rows}
            value={value}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            onChange={(event) => onChange(event.target.value)}
            {...rest}
          />
          <p id={`${id}-hint`} className="field-hint">
            {hintText}
          </p>
          {error && (
            <p id={`${id}-error`} className="field-error">
              <span aria-hidden="true">⚠ </span>
              {error}
            </p>
          )}
        </div>
        <section
          className="markdown-editor-preview"
          aria-labelledby={`${id}-preview-title`}
          aria-busy={preview.isFetching || preview.isSettling || undefined}
        >
          <p id={`${id}-preview-title`} className="field-label">
            Preview<span className="visually-hidden"> of {label}</span>
          </p>
          <div className="markdown-preview">{previewBody}</div>
        </section>
      </div>
    </div>
  );
}
