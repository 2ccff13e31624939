import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import type {
  Language,
  LearnerChallenge,
  RunResult,
  Submission,
  TestResultView,
} from '../../../../contracts/challenges.ts';
import { Button } from '../../components/Button.tsx';
import { Alert, EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { SelectField } from '../../components/Field.tsx';
import { useDocumentTitle } from '../../components/Page.tsx';
import { changesTopic } from '../../../../contracts/realtime.ts';
import { useLiveInvalidation } from '../../lib/useRealtime.ts';
import { useSession } from '../auth/session.ts';
import {
  challengeKeys,
  useLessonChallenge,
  useRun,
  useStartRun,
  useSubmission,
  useSubmissions,
  useSubmit,
} from './challenges.api.ts';
import { LazyCodeEditor } from './LazyCodeEditor.tsx';
import './challenges.css';

const LANGUAGE_NAMES: Record<Language, string> = { python: 'Python', javascript: 'JavaScript', java: 'Java' };

export const VERDICT_TEXT: Record<string, string> = {
  pending: 'Waiting for the judge…',
  running: 'Judging…',
  accepted: 'Accepted',
  wrong_answer: 'Wrong answer',
  time_limit: 'Time limit exceeded',
  memory_limit: 'Memory limit exceeded',
  runtime_error: 'Runtime error',
  compile_error: 'Compilation error',
  internal_error: 'Judge error',
  judge_unavailable: 'Judge unavailable',
};

/** The code lesson: statement, editor with Run and Submit, verdicts and history. */
export function ChallengePage() {
  const { lessonId = '' } = useParams();
  const query = useLessonChallenge(lessonId);
  useDocumentTitle(query.data?.title ?? 'Code challenge');
  return (
    <QueryView
      query={query}
      loading="Loading the challenge…"
      notFound={
        <EmptyState title="This challenge is not available" heading="h1">
          It may not be published yet, or you are not enrolled in its course.
        </EmptyState>
      }
    >
      {(data) => <Workspace challenge={data} />}
    </QueryView>
  );
}

/** Per-language drafts survive a language switch (and a reload: kept in this browser only). */
function useDrafts(challenge: LearnerChallenge) {
  const storageKey = `uw-challenge-draft:${challenge.id}`;
  const [drafts, setDrafts] = useState<Partial<Record<Language, string>>>(() => {
    try {
      return JSON.parse(localStorage.getItem(storageKey) ?? '{}') as Partial<Record<Language, string>>;
    } catch {
      return {};
    }
  });
  useEffect(() => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(drafts));
    } catch {
      // storage full or blocked: drafts stay in memory
    }
  }, [drafts, storageKey]);
  const codeFor = (language: Language) => drafts[language] ?? challenge.starterCode[language] ?? '';
  const setCode = (language: Language, code: string) => setDrafts((d) => ({ ...d, [language]: code }));
  const reset = (language: Language) =>
    setDrafts((d) => {
      const next = { ...d };
      delete next[language];
      return next;
    });
  return { codeFor, setCode, reset };
}

function Workspace({ challenge }: { challenge: LearnerChallenge }) {
  const [language, setLanguage] = useState<Language>(challenge.supportedLanguages[0]!);
  const { codeFor, setCode, reset } = useDrafts(challenge);
  const code = codeFor(language);
  const [runId, setRunId] = useState<string | null>(null);
  const [submissionId, setSubmissionId] = useState<string | null>(null);
  const startRun = useStartRun(challenge.id);
  const submit = useSubmit(challenge.id);
  const run = useRun(runId);
  // Verdicts arrive live: the learner's submissions are announced on /realtime (polling only while
  // the socket is down).
  const me = useSession().data?.id;
  const { live } = useLiveInvalidation(
    [me && changesTopic('code_submissions', { user_id: me })],
    [challengeKeys.submission(submissionId ?? ''), challengeKeys.submissions(challenge.id)],
    { refetchOnSubscribe: true },
  );
  const submission = useSubmission(submissionId, live);
  const editorId = useId();
  const running = run.data?.state === 'queued' || run.data?.state === 'running';
  const judging = submission.data?.status === 'pending' || submission.data?.status === 'running';
  const queryClient = useQueryClient();
  const finalStatus = submission.data && !judging ? submission.data.status : null;
  // A verdict arrived: the history and the "solved" badge change with it.
  useEffect(() => {
    if (!finalStatus) return;
    void queryClient.invalidateQueries({ queryKey: challengeKeys.submissions(challenge.id) });
    if (finalStatus === 'accepted' && challenge.lessonId)
      void queryClient.invalidateQueries({ queryKey: challengeKeys.lesson(challenge.lessonId) });
  }, [finalStatus, queryClient, challenge.id, challenge.lessonId]);

  const handleRun = () => {
    setRunId(null);
    startRun.mutate({ language, code }, { onSuccess: (r) => setRunId(r.runId) });
  };
  const handleSubmit = () => {
    setSubmissionId(null);
    submit.mutate({ language, code }, { onSuccess: (s) => setSubmissionId(s.id) });
  };

  return (
    <div className="ch-page">
      {challenge.courseSlug && challenge.lessonId && (
        <p>
          <Link to={`/learn/${challenge.courseSlug}/${challenge.lessonId}`}>← Back to the lesson</Link>
        </p>
      )}
      <header className="ch-header">
        <h1>{challenge.title}</h1>
        <p className="ch-meta">
          <span className={`badge ch-difficulty-${challenge.difficulty}`}>{challenge.difficulty}</span>{' '}
          <span className="muted">
            {challenge.points} points · {challenge.timeLimitMs} ms CPU · {challenge.memoryLimitMb} MB per test
          </span>
          {challenge.solved && (
            <span className="badge badge-success">
              <span aria-hidden="true">✓ </span>Solved
            </span>
          )}
        </p>
        {challenge.status !== 'published' && (
          <Alert tone="warning" title="Preview">
            This challenge is not published; learners cannot see it yet.
          </Alert>
        )}
      </header>
      <div className="ch-layout">
        <section className="ch-statement" aria-labelledby="ch-statement-title">
          <h2 id="ch-statement-title" className="visually-hidden">
            Problem
          </h2>
          <div className="prose" dangerouslySetInnerHTML={{ __html: challenge.problemStatementHtml }} />
          {challenge.examples && (
            <>
              <h3>Examples</h3>
              <pre className="ch-pre">{challenge.examples}</pre>
            </>
          )}
          {challenge.constraints && (
            <>
              <h3>Constraints</h3>
              <pre className="ch-pre">{challenge.constraints}</pre>
            </>
          )}
          {challenge.visibleTests.length > 0 && (
            <>
              <h3>Sample tests</h3>
              {challenge.visibleTests.map((t, i) => (
                <div key={i} className="ch-sample">
                  <p className="muted">Input</p>
                  <pre className="ch-pre">{t.input}</pre>
                  <p className="muted">Expected output</p>
                  <pre className="ch-pre">{t.expectedOutput}</pre>
                </div>
              ))}
            </>
          )}
        </section>
        <section className="ch-work" aria-label="Your solution">
          <div className="ch-toolbar">
            <SelectField
              label="Language"
              value={language}
              onChange={(e) => setLanguage(e.target.value as Language)}
            >
              {challenge.supportedLanguages.map((l) => (
                <option key={l} value={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </SelectField>
            <Button variant="ghost" onClick={() => reset(language)}>
              Reset to starter code
            </Button>
          </div>
          <p className="field-hint" id={`${editorId}-hint`}>
            Read from standard input, print to standard output. In the editor, Tab indents; press Escape then
            Tab to move on.
          </p>
          <LazyCodeEditor
            id={editorId}
            language={language}
            value={code}
            onChange={(value) => setCode(language, value)}
            label={`Your ${LANGUAGE_NAMES[language]} code`}
          />
          <div className="ch-actions">
            <Button variant="secondary" onClick={handleRun} busy={startRun.isPending || running}>
              Run
            </Button>
            <Button onClick={handleSubmit} busy={submit.isPending || judging}>
              Submit
            </Button>
          </div>
          <ErrorAlert error={startRun.error} title="The run could not start" />
          <ErrorAlert error={submit.error} title="The submission was not sent" />
          {run.isError && <ErrorAlert error={run.error} title="The run's result could not be loaded" />}
          {run.data && <RunPanel run={run.data} />}
          {submission.isError && (
            <ErrorAlert error={submission.error} title="The verdict could not be loaded" />
          )}
          {submission.data && <SubmissionPanel submission={submission.data} />}
        </section>
      </div>
      <History challengeId={challenge.id} onOpen={setSubmissionId} />
    </div>
  );
}

function RunPanel({ run }: { run: RunResult }) {
  return (
    <section className="ch-result" aria-labelledby="ch-run-title" aria-live="polite">
      <h2 id="ch-run-title">Run (sample tests, not recorded)</h2>
      {run.state === 'queued' || run.state === 'running' ? (
        <p role="status">{run.state === 'queued' ? 'Waiting for the judge…' : 'Running…'}</p>
      ) : run.verdict === null ? (
        <Alert tone="warning">{run.message ?? 'The judge could not run this.'}</Alert>
      ) : (
        <>
          <Verdict status={run.verdict} passed={run.passedTests} total={run.totalTests} />
          {run.message && <pre className="ch-pre ch-compile">{run.message}</pre>}
          <TestResults results={run.results} />
        </>
      )}
    </section>
  );
}

function SubmissionPanel({ submission }: { submission: Submission }) {
  const waiting = submission.status === 'pending' || submission.status === 'running';
  return (
    <section className="ch-result" aria-labelledby="ch-submission-title" aria-live="polite">
      <h2 id="ch-submission-title">Submission</h2>
      {waiting ? (
        <p role="status">{VERDICT_TEXT[submission.status]}</p>
      ) : submission.status === 'judge_unavailable' ? (
        <Alert tone="warning" title="Judge unavailable">
          {submission.judgeMessage}
        </Alert>
      ) : (
        <>
          <Verdict status={submission.status} passed={submission.passedTests} total={submission.totalTests} />
          <p className="muted">
            Score {submission.score ?? 0} · {submission.executionTimeMs ?? 0} ms CPU ·{' '}
            {submission.memoryUsedMb ?? 0} MB
          </p>
          {submission.judgeMessage && <pre className="ch-pre ch-compile">{submission.judgeMessage}</pre>}
          {submission.testResults && <TestResults results={submission.testResults} />}
        </>
      )}
    </section>
  );
}

function Verdict({ status, passed, total }: { status: string; passed: number | null; total: number | null }) {
  const accepted = status === 'accepted';
  return (
    <p className={`ch-verdict ${accepted ? 'ch-verdict-ok' : 'ch-verdict-bad'}`} role="status">
      <span aria-hidden="true">{accepted ? '✓ ' : '✗ '}</span>
      {VERDICT_TEXT[status] ?? status}
      {total !== null && (
        <span className="muted">
          {' '}
          — {passed ?? 0} of {total} tests passed
        </span>
      )}
    </p>
  );
}

function TestResults({ results }: { results: TestResultView[] }) {
  if (results.length === 0) return null;
  return (
    <ol className="ch-tests">
      {results.map((r) => (
        <li key={r.index} className={r.passed ? 'ch-test ch-test-ok' : 'ch-test ch-test-bad'}>
          <p>
            <strong>
              Test {r.index + 1}
              {r.hidden ? ' (hidden)' : ''}
            </strong>{' '}
            {r.passed ? 'passed' : 'failed'} · {r.executionTimeMs} ms
            {!r.hidden && r.verdict && !r.passed ? ` · ${VERDICT_TEXT[r.verdict] ?? r.verdict}` : ''}
          </p>
          {!r.hidden && !r.passed && (
            <div className="ch-test-detail">
              {r.message && <p>{r.message}</p>}
              {r.input !== undefined && (
                <>
                  <p className="muted">Input</p>
                  <pre className="ch-pre">{r.input}</pre>
                </>
              )}
              {r.expectedOutput !== undefined && (
                <>
                  <p className="muted">Expected</p>
                  <pre className="ch-pre">{r.expectedOutput}</pre>
                </>
              )}
              <p className="muted">Your output</p>
              <pre className="ch-pre">{r.output || '(nothing)'}</pre>
              {r.error && (
                <>
                  <p className="muted">Errors</p>
                  <pre className="ch-pre">{r.error}</pre>
                </>
              )}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

function History({ challengeId, onOpen }: { challengeId: string; onOpen: (id: string) => void }) {
  const query = useSubmissions(challengeId);
  return (
    <section className="ch-history" aria-labelledby="ch-history-title">
      <h2 id="ch-history-title">Your submissions</h2>
      <QueryView query={query} loading="Loading your submissions…">
        {(data) =>
          data.submissions.length === 0 ? (
            <p className="muted">No submissions yet. Run your code on the samples, then submit it.</p>
          ) : (
            <table className="ch-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Language</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Tests</th>
                  <th scope="col">
                    <span className="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.submissions.map((s) => (
                  <tr key={s.id}>
                    <td>{new Date(s.submittedAt).toLocaleString()}</td>
                    <td>{LANGUAGE_NAMES[s.language]}</td>
                    <td>{VERDICT_TEXT[s.status] ?? s.status}</td>
                    <td>{s.totalTests === null ? '—' : `${s.passedTests ?? 0}/${s.totalTests}`}</td>
                    <td>
                      <Button variant="ghost" onClick={() => onOpen(s.id)}>
                        Show
                        <span className="visually-hidden">
                          {' '}
                          submission from {new Date(s.submittedAt).toLocaleString()}
                        </span>
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </section>
  );
}
