import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Alert, EmptyState, LoadingState } from '../../components/Feedback.tsx';
import { Card, useDocumentTitle } from '../../components/Page.tsx';
import { formatCount } from '../../lib/format.ts';
import { usePresenceList, useRealtimeStatus } from '../../lib/useRealtime.ts';
import { useEditorCourse } from '../authoring/CourseEditorLayout.tsx';
import { useSession } from '../auth/session.ts';
import { describePresence, liveRows } from './live.ts';

/**
 * `/author/courses/:courseId/live`: who is in the course right now and which lesson each is on,
 * updating as learners arrive, move and leave (course presence over /realtime; the server sends the
 * member list, with names, only to the course's owner and admins). Watching does not count the
 * instructor as present.
 */
export function LiveLearnersPage() {
  const course = useEditorCourse();
  useDocumentTitle(`Live: ${course.title}`);
  const me = useSession().data?.id;
  const { members, error } = usePresenceList(`presence:course:${course.id}`, { track: false });
  const status = useRealtimeStatus();
  const rows = members ? liveRows(members, course.sections, me) : undefined;
  const announcement = useCountAnnouncement(rows?.length);

  return (
    <Card>
      <h2 id="live-heading">Learners here now</h2>
      <p className="muted">
        Learners who have this course open, and the lesson each is on. The list updates by itself.
      </p>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      {status === 'reconnecting' && (
        <Alert tone="warning" title="Reconnecting…">
          The live connection was lost; the list is shown as it was and updates again once reconnected.
        </Alert>
      )}
      {status === 'ended' && (
        <Alert tone="warning" title="Your session has ended">
          Sign in again to see who is here.
        </Alert>
      )}
      {error !== undefined ? (
        <Alert tone="error" title="The live view is not available">
          {error}
        </Alert>
      ) : rows === undefined ? (
        <LoadingState label="Connecting to the live view…" />
      ) : rows.length === 0 ? (
        <EmptyState title="Nobody is in this course right now">
          Learners appear here while they have one of its lessons open.
        </EmptyState>
      ) : (
        <table className="data-table live-table" aria-labelledby="live-heading">
          <thead>
            <tr>
              <th scope="col">Learner</th>
              <th scope="col">Lesson</th>
              <th scope="col">Here since</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.userId} data-testid="live-learner">
                <th scope="row" data-label="Learner">
                  {row.name}
                </th>
                <td data-label="Lesson">
                  {row.lesson ? (
                    <Link to={`/author/courses/${course.id}/lessons/${row.lesson.id}`}>
                      {row.lesson.title}
                      <span className="visually-hidden">, edit this lesson</span>
                    </Link>
                  ) : (
                    <span className="muted">Course overview</span>
                  )}
                </td>
                <td data-label="Here since">
                  <time dateTime={row.since}>{describePresence(row.since)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

/** "2 learners here now", said politely when the count changes (not on first load). */
function useCountAnnouncement(count: number | undefined): string {
  const [text, setText] = useState('');
  const last = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (count === undefined) return;
    if (last.current !== undefined && last.current !== count)
      setText(`${formatCount(count, 'learner', 'learners')} here now`);
    last.current = count;
  }, [count]);
  return text;
}
