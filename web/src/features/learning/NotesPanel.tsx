import { useEffect, useId, useState } from 'react';
import { NOTES_MAX_LENGTH } from '../../../../contracts/learning.ts';
import { Button } from '../../components/Button.tsx';
import { ErrorState, Spinner } from '../../components/Feedback.tsx';
import { describeError } from '../../lib/api.ts';
import { Autosaver, type SaveStatus } from './autosave.ts';
import { useLessonNotes, useSaveNotes } from './learning.api.ts';

/** The learner's own notes on a lesson, saved as they type (debounced), with what happened said aloud. */
export function NotesPanel({ lessonId, canEdit }: { lessonId: string; canEdit: boolean }) {
  const query = useLessonNotes(lessonId, true);
  return (
    <section className="lp-lesson-notes" aria-labelledby="notes-title">
      <h2 id="notes-title">Your notes</h2>
      {query.isPending ? (
        <p className="muted">
          <Spinner label="Loading your notes" /> Loading your notes…
        </p>
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          title="Your notes could not be loaded"
          onRetry={() => void query.refetch()}
        />
      ) : (
        <NotesEditor lessonId={lessonId} serverNotes={query.data.notes} canEdit={canEdit} />
      )}
    </section>
  );
}

const STATUS_TEXT: Record<Exclude<SaveStatus, 'error'>, string> = {
  idle: '',
  pending: 'Unsaved changes…',
  saving: 'Saving…',
  saved: 'Saved',
};

function NotesEditor({
  lessonId,
  serverNotes,
  canEdit,
}: {
  lessonId: string;
  /** The notes as last read from (or saved to) the server; they change when a refetch finds newer. */
  serverNotes: string;
  canEdit: boolean;
}) {
  const id = useId();
  const save = useSaveNotes(lessonId);
  const [text, setText] = useState(serverNotes);
  const [status, setStatus] = useState<SaveStatus>('idle');
  const [error, setError] = useState<unknown>(null);
  // The editor lives as long as its lesson (keyed by it), so the first save function stays right.
  const [saver] = useState(
    () =>
      new Autosaver(serverNotes, {
        save,
        onStatus: (next, failure) => {
          setStatus(next);
          setError(next === 'error' ? failure : null);
        },
      }),
  );

  // The cached notes show at once and the refetch follows: take what it found (edited on another
  // device) unless the learner has typed something not yet saved. (Adjusting state to a changed
  // prop during render, as React recommends over an effect; adopting twice is harmless.)
  const [seenServerNotes, setSeenServerNotes] = useState(serverNotes);
  if (serverNotes !== seenServerNotes) {
    setSeenServerNotes(serverNotes);
    if (saver.adopt(serverNotes)) setText(serverNotes);
  }

  // Leaving the lesson (or the page) saves what is still waiting.
  useEffect(() => {
    const onHide = () => void saver.flush();
    window.addEventListener('pagehide', onHide);
    return () => {
      window.removeEventListener('pagehide', onHide);
      void saver.flush();
      saver.dispose();
    };
  }, [saver]);

  return (
    <div className="notes-editor">
      <label htmlFor={id} className="field-label">
        Notes on this lesson <span className="muted small">(only you can see them)</span>
      </label>
      <textarea
        id={id}
        className="input textarea notes-textarea"
        rows={6}
        maxLength={NOTES_MAX_LENGTH}
        value={text}
        readOnly={!canEdit}
        aria-describedby={`${id}-status`}
        onChange={(event) => {
          setText(event.target.value);
          saver.change(event.target.value);
        }}
        onBlur={() => void saver.flush()}
      />
      <div id={`${id}-status`} className="notes-status" role="status" aria-live="polite">
        {!canEdit ? (
          <span className="muted small">Notes can be edited while you have access to the course.</span>
        ) : status === 'error' ? (
          <span className="notes-error">
            Not saved: {describeError(error)}{' '}
            <Button variant="secondary" onClick={() => void saver.flush()}>
              Try again
            </Button>
          </span>
        ) : (
          <span className="muted small">{STATUS_TEXT[status]}</span>
        )}
      </div>
    </div>
  );
}
