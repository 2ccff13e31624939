import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { LessonContent, LessonOutline } from '../../../../contracts/courses.ts';
import type { LessonProgress } from '../../../../contracts/learning.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Alert, ErrorAlert, ErrorState, QueryView } from '../../components/Feedback.tsx';
import { isApiError } from '../../lib/api.ts';
import { formatBytes } from '../files/format-bytes.ts';
import { useLessonContent } from '../courses/courses.api.ts';
import { ActivityTracker } from './activity-tracker.ts';
import { pickResume, readLocalPosition, resumePosition, writeLocalPosition } from './curriculum.ts';
import {
  applyProgressState,
  putProgress,
  putProgressOnLeave,
  reportResourceDownload,
} from './learning.api.ts';
import { QuizLesson } from '../quizzes/QuizLesson.tsx';
import { lessonCompletionMode } from './lesson-completion.ts';
import { NotesPanel } from './NotesPanel.tsx';
import { ProgressReporter } from './progress-reporter.ts';
import { withoutRepeatedTitle } from './article.ts';
import { challengePath } from '../challenges/challenges.routes.tsx';

/** What the player's keyboard shortcuts ask of the lesson on screen. */
export interface LessonCommands {
  markDone(): void;
  togglePlay(): void;
}

interface LessonViewProps {
  slug: string;
  courseId: string;
  outline: LessonOutline;
  progress: LessonProgress | null;
  /** False for owners and expired access: nothing is reported. */
  canReport: boolean;
  commandsRef: RefObject<LessonCommands | null>;
  next: { title: string; url: string } | null;
}

const INPUT_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'scroll', 'touchstart'] as const;

/**
 * Owns the progress reporting of one lesson for as long as it is on screen: an activity tracker
 * wired to the page's visibility and input, a reporter ticking every second, and a last report
 * with keepalive when the page goes away (pagehide, tab hidden) or the lesson is left.
 */
function useLessonReporter(
  courseId: string,
  lessonId: string,
  canReport: boolean,
  initial: LessonProgress | null,
) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [reporter] = useState(() => {
    const tracker = new ActivityTracker(Date.now, document.visibilityState === 'visible');
    const created = new ProgressReporter({
      tracker,
      send: async (report, { keepalive }) => {
        writeLocalPosition(lessonId, {
          positionSeconds: report.positionSeconds,
          clientTime: report.clientTime,
        });
        if (keepalive) {
          putProgressOnLeave(lessonId, report);
          return;
        }
        const state = await putProgress(lessonId, report);
        applyProgressState(queryClient, courseId, state);
        setError(null);
      },
      onError: (failure) => {
        setError(failure);
        // Access ended or the lesson went away: stop, the page says why.
        if (isApiError(failure, 'forbidden') || isApiError(failure, 'not_found')) created.stop();
      },
    });
    if (!canReport) created.stop();
    created.resume(
      pickResume(initial, readLocalPosition(lessonId)),
      initial?.watchedSeconds ?? 0,
      initial?.status === 'completed',
    );
    return { tracker, reporter: created };
  });

  useEffect(() => {
    const { tracker, reporter: r } = reporter;
    const onInput = () => tracker.noteInput();
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') {
        void r.flush('leave');
        tracker.setVisible(false);
      } else tracker.setVisible(true);
    };
    const onPageHide = () => void r.flush('leave');
    for (const name of INPUT_EVENTS) window.addEventListener(name, onInput, { passive: true, capture: true });
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onPageHide);
    const timer = window.setInterval(() => r.tick(), 1000);
    return () => {
      for (const name of INPUT_EVENTS) window.removeEventListener(name, onInput, { capture: true });
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onPageHide);
      window.clearInterval(timer);
      // Leaving the lesson inside the app: one last report (not waited for). Not stop(): in
      // development StrictMode runs this cleanup once and then the effect again.
      void r.flush('leave');
    };
  }, [reporter]);

  return { reporter: reporter.reporter, error };
}

export function LessonView(props: LessonViewProps) {
  const { slug, outline } = props;
  const query = useLessonContent(slug, outline.id);
  return (
    <QueryView
      query={query}
      loading="Loading the lesson…"
      errorTitle="The lesson could not be loaded"
      notFound={
        <ErrorState
          error={query.error}
          title="This lesson cannot be opened: your access may have ended, or it was removed"
        />
      }
    >
      {(content) => <LoadedLesson {...props} content={content} />}
    </QueryView>
  );
}

function LoadedLesson({
  courseId,
  content,
  progress,
  canReport,
  commandsRef,
  next,
}: LessonViewProps & { content: LessonContent }) {
  const { reporter, error } = useLessonReporter(courseId, content.id, canReport, progress);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const [marking, setMarking] = useState(false);
  const completed = progress?.status === 'completed';
  const isVideo = content.contentType === 'video' && content.videoUrl !== null;
  const isQuiz = content.contentType === 'quiz';
  const completion = lessonCompletionMode(content);
  // Quiz and code lessons complete by passing (the server decides), never by "Mark as done".
  const assessed = completion === 'assessment';
  const completesByWatching = completion === 'watching';

  const markDone = async () => {
    if (!canReport || completed || completesByWatching || assessed || marking) return;
    setMarking(true);
    // A failure shows in the progress alert above, and the next report carries "completed" again.
    await reporter.flush('complete');
    setMarking(false);
  };

  // What the player's shortcuts call (kept current after every render).
  useEffect(() => {
    commandsRef.current = {
      markDone: () => void markDone(),
      togglePlay: () => {
        const video = videoRef.current;
        if (!video) return;
        if (video.paused) void video.play().catch(() => {});
        else video.pause();
      },
    };
  });
  useEffect(() => () => void (commandsRef.current = null), [commandsRef]);

  // A new lesson: move focus to its title so keyboard and screen-reader users start there.
  useEffect(() => {
    const frame = requestAnimationFrame(() => headingRef.current?.focus({ preventScroll: true }));
    return () => cancelAnimationFrame(frame);
  }, []);

  return (
    <article className="lp-lesson" aria-labelledby="lesson-title">
      <header className="lp-lesson-header">
        <h1 id="lesson-title" ref={headingRef} tabIndex={-1}>
          {content.title}
        </h1>
        {completed ? (
          <p className="badge badge-success lp-lesson-status" role="status">
            <span aria-hidden="true">✓ </span>Completed
          </p>
        ) : progress?.status === 'in_progress' ? (
          <p className="badge badge-muted lp-lesson-status">In progress</p>
        ) : null}
      </header>
      {error !== null && (
        <ErrorAlert error={error} title="Your progress could not be saved; it will be retried" />
      )}
      {isVideo && (
        <VideoPlayer
          videoRef={videoRef}
          url={content.videoUrl!}
          durationSeconds={content.durationSeconds}
          startAt={reporter.positionSeconds}
          reporter={reporter}
          completesByWatching={completesByWatching}
          onEndedUnknownLength={() => void markDone()}
        />
      )}
      {content.description && <p className="muted">{content.description}</p>}
      {content.contentType === 'code' && (
        // The challenge's workspace (editor, Run, Submit) is its own lazy page; passing it completes the lesson.
        <p>
          <ButtonLink to={challengePath(content.id)}>Open the code challenge</ButtonLink>
        </p>
      )}
      {content.articleHtml && (
        // Rendered from Markdown and sanitised on the server (server/platform/markdown.ts).
        <div
          className="prose lp-lesson-article"
          dangerouslySetInnerHTML={{ __html: withoutRepeatedTitle(content.articleHtml, content.title) }}
        />
      )}
      {isQuiz && <QuizLesson lessonId={content.id} courseId={courseId} />}
      {!isVideo && !assessed && !content.articleHtml && content.resources.length === 0 && (
        <p className="muted">
          This {content.contentType} lesson has no content to show here yet. Mark it as done when you have
          finished it.
        </p>
      )}
      {content.resources.length > 0 && (
        <Resources lessonId={content.id} resources={content.resources} canReport={canReport} />
      )}
      {!completesByWatching && !assessed && (
        <div className="lp-lesson-done">
          {completed ? (
            next && (
              <ButtonLink to={next.url}>
                Next lesson<span className="visually-hidden">: {next.title}</span>
              </ButtonLink>
            )
          ) : (
            <Button onClick={() => void markDone()} busy={marking} disabled={!canReport}>
              Mark as done
            </Button>
          )}
          {!canReport && !completed && (
            <span className="muted small">Only enrolled learners with access record progress.</span>
          )}
          {!completed && content.articleHtml && canReport && (
            <EndOfArticle onReached={() => void markDone()} />
          )}
        </div>
      )}
      {completesByWatching && !completed && (
        <p className="muted small">The lesson is completed once you have watched 90 % of the video.</p>
      )}
      <NotesPanel lessonId={content.id} canEdit={canReport} />
    </article>
  );
}

/**
 * Completes an article when the learner scrolls its end into view. Only after they have scrolled
 * (a short article that fits on the screen is not "read" by being opened) and spent a few seconds.
 */
function EndOfArticle({ onReached }: { onReached: () => void }) {
  const ref = useRef<HTMLSpanElement>(null);
  const callback = useRef(onReached);
  useEffect(() => {
    callback.current = onReached;
  });
  useEffect(() => {
    const sentinel = ref.current;
    if (!sentinel || typeof IntersectionObserver === 'undefined') return;
    const openedAt = Date.now();
    let scrolled = false;
    const onScroll = () => {
      scrolled = true;
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    const observer = new IntersectionObserver((entries) => {
      const reached = entries.some((entry) => entry.isIntersecting);
      const scrollable = document.documentElement.scrollHeight > window.innerHeight + 50;
      if (reached && scrolled && scrollable && Date.now() - openedAt > 5_000) callback.current();
    });
    observer.observe(sentinel);
    return () => {
      observer.disconnect();
      window.removeEventListener('scroll', onScroll);
    };
  }, []);
  return <span ref={ref} aria-hidden="true" className="article-end" />;
}

function VideoPlayer({
  videoRef,
  url,
  durationSeconds,
  startAt,
  reporter,
  completesByWatching,
  onEndedUnknownLength,
}: {
  videoRef: RefObject<HTMLVideoElement | null>;
  url: string;
  durationSeconds: number | null;
  startAt: number;
  reporter: ProgressReporter;
  completesByWatching: boolean;
  onEndedUnknownLength: () => void;
}) {
  const resumed = useRef(false);
  const [resumeNote, setResumeNote] = useState<number | null>(null);
  // The browser could not fetch or decode the video (offline, an external host gone, a format it
  // cannot play): say so instead of leaving an empty player.
  const [failed, setFailed] = useState(false);
  return (
    <div className="lp-lesson-video">
      <video
        ref={videoRef}
        className="player-video"
        src={url}
        controls
        preload="metadata"
        playsInline
        onLoadedMetadata={(event) => {
          if (resumed.current) return;
          resumed.current = true;
          const video = event.currentTarget;
          const length = Number.isFinite(video.duration) ? video.duration : durationSeconds;
          const at = resumePosition(startAt, length ?? null);
          if (at > 0) {
            video.currentTime = at;
            setResumeNote(at);
          }
        }}
        onError={() => setFailed(true)}
        onCanPlay={() => setFailed(false)}
        onPlay={() => reporter.setPlaying(true)}
        onPause={(event) => {
          reporter.setPosition(event.currentTarget.currentTime, false);
          reporter.setPlaying(false);
          if (!event.currentTarget.ended) void reporter.flush('pause');
        }}
        onTimeUpdate={(event) => {
          const video = event.currentTarget;
          reporter.setPosition(video.currentTime, !video.paused && !video.seeking);
        }}
        onSeeked={(event) => {
          reporter.setPosition(event.currentTarget.currentTime, false);
          if (reporter.hasNews()) void reporter.flush('seeked');
        }}
        onEnded={(event) => {
          // The last frame was reached by playing: the whole video counts as watched.
          reporter.setPosition(event.currentTarget.currentTime, true);
          reporter.setPlaying(false);
          if (completesByWatching) void reporter.flush('ended');
          else onEndedUnknownLength();
        }}
      >
        <a href={url}>Download the video</a>
      </video>
      {failed && (
        <Alert tone="error" title="This video could not be loaded">
          <p>Check your connection and try again. If it keeps failing, the video may be unavailable.</p>
          <Button
            variant="secondary"
            onClick={() => {
              setFailed(false);
              videoRef.current?.load();
            }}
          >
            Try again
          </Button>
        </Alert>
      )}
      {resumeNote !== null && (
        <p className="muted small" role="status">
          Resumed where you left off.
        </p>
      )}
    </div>
  );
}

function Resources({
  lessonId,
  resources,
  canReport,
}: {
  lessonId: string;
  resources: LessonContent['resources'];
  canReport: boolean;
}) {
  return (
    <section aria-labelledby="resources-title" className="lp-lesson-resources">
      <h2 id="resources-title">Resources</h2>
      <ul>
        {resources.map((resource) => (
          <li key={resource.url}>
            <span className="resource-name">{resource.name}</span>
            <span className="muted small">
              {[resource.type, resource.size !== null ? formatBytes(resource.size) : null]
                .filter(Boolean)
                .join(' · ')}
            </span>
            {/* Uploaded files are /api/files/<id>: the server answers with a short-lived signed link. */}
            <a
              className="btn btn-secondary"
              href={resource.url}
              download
              rel="noopener noreferrer"
              onClick={() => {
                if (canReport) reportResourceDownload(lessonId);
              }}
            >
              Download<span className="visually-hidden"> {resource.name}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
