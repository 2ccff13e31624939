import { useEffect, useId, useRef } from 'react';
import { Button } from '../../components/Button.tsx';
import { ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { isApiError } from '../../lib/api.ts';
import { formatBytes } from './format-bytes.ts';
import { useLessonContent } from './courses.api.ts';
import { LockIcon } from './LockIcon.tsx';

/**
 * A lesson played in a modal <dialog>: the browser traps focus, Escape closes it, and focus returns
 * to the button that opened it. Video lessons play in the native <video> player (its controls are
 * keyboard-operable); articles arrive as HTML the server has already sanitised.
 */
export function LessonPlayerDialog({
  slug,
  lessonId,
  lessonTitle,
  onClose,
}: {
  slug: string;
  lessonId: string | null;
  lessonTitle: string;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const query = useLessonContent(slug, lessonId);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (lessonId && !dialog.open) dialog.showModal();
    if (!lessonId && dialog.open) dialog.close();
  }, [lessonId]);

  const lesson = query.data;
  return (
    <dialog
      ref={ref}
      className="dialog player-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="player-header">
        <h2 id={titleId} className="dialog-title">
          {lesson?.title ?? lessonTitle}
        </h2>
        <Button variant="ghost" onClick={onClose} autoFocus aria-label="Close the lesson">
          <span aria-hidden="true">✕</span>
        </Button>
      </div>
      {lessonId === null ? null : query.isPending ? (
        <LoadingState label="Loading the lesson…" />
      ) : query.isError ? (
        isApiError(query.error, 'not_found') ? (
          <p className="player-locked">
            <LockIcon /> This lesson is locked. Enrol in the course to unlock it.
          </p>
        ) : (
          <ErrorState
            error={query.error}
            title="The lesson could not be loaded"
            onRetry={() => void query.refetch()}
          />
        )
      ) : (
        <div className="player-body">
          {lesson?.videoUrl && (
            // Uploaded videos are same-site /api/files/<id> URLs; captions come with the video module.
            <video className="player-video" src={lesson.videoUrl} controls preload="metadata" playsInline>
              <a href={lesson.videoUrl}>Download the video</a>
            </video>
          )}
          {lesson?.description && <p className="muted">{lesson.description}</p>}
          {lesson?.articleHtml && (
            // Rendered and sanitised on the server (server/platform/markdown.ts): an allowlist of tags.
            <div className="prose" dangerouslySetInnerHTML={{ __html: lesson.articleHtml }} />
          )}
          {lesson && lesson.resources.length > 0 && (
            <section aria-label="Resources" className="player-resources">
              <h3>Resources</h3>
              <ul>
                {lesson.resources.map((resource) => (
                  <li key={resource.url}>
                    <a href={resource.url} download rel="noopener noreferrer">
                      {resource.name}
                    </a>
                    {(resource.type || resource.size !== null) && (
                      <span className="muted small">
                        {' '}
                        (
                        {[resource.type, resource.size !== null ? formatBytes(resource.size) : null]
                          .filter(Boolean)
                          .join(', ')}
                        )
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
      )}
    </dialog>
  );
}
