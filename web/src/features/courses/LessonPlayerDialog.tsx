import { ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { isApiError } from '../../lib/api.ts';
import { formatBytes } from './format-bytes.ts';
import { useLessonContent } from './courses.api.ts';
import { LockIcon } from './LockIcon.tsx';
import { PlayerDialog, PlayerVideo } from './PlayerDialog.tsx';

/**
 * A preview lesson played in the landing page's player dialog. Video lessons play in the native
 * <video> player (its controls are keyboard-operable); articles arrive as HTML the server has
 * already sanitised.
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
  const query = useLessonContent(slug, lessonId);
  const lesson = query.data;
  return (
    <PlayerDialog open={lessonId !== null} title={lesson?.title ?? lessonTitle} onClose={onClose}>
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
          {lesson?.videoUrl && <PlayerVideo url={lesson.videoUrl} />}
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
    </PlayerDialog>
  );
}
