import { useQuery } from '@tanstack/react-query';
import { judgeHealthSchema, type JudgeHealth } from '../../../../contracts/challenges.ts';
import { Button } from '../../components/Button.tsx';
import { Alert, EmptyState, QueryView } from '../../components/Feedback.tsx';
import { Card, PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { api } from '../../lib/api.ts';

const STATE_TEXT = { starting: 'Starting', ready: 'Judging', refusing: 'Refusing to judge' } as const;

/** The code judge's health: each worker's sandbox status and start-up canary results (admins). */
export function AdminJudgePage() {
  useDocumentTitle('Code judge');
  const query = useQuery({
    queryKey: ['admin', 'judge'],
    queryFn: ({ signal }) => api.get('/api/admin/judge', judgeHealthSchema, undefined, signal),
    refetchInterval: 15_000,
  });
  return (
    <div>
      <PageHeader
        title="Code judge"
        lead="The sandbox each judge worker found at start, and whether its canary attacks were all blocked."
        actions={
          <Button variant="secondary" onClick={() => void query.refetch()} busy={query.isFetching}>
            Refresh
          </Button>
        }
      />
      <QueryView query={query} loading="Loading the judge's health…">
        {(data) => <JudgeHealthView health={data} />}
      </QueryView>
    </div>
  );
}

function JudgeHealthView({ health }: { health: JudgeHealth }) {
  return (
    <>
      <p>
        Submissions waiting for a judge: <strong>{health.pendingSubmissions}</strong>
      </p>
      {health.workers.length === 0 ? (
        <EmptyState title="No judge worker has reported in the last day">
          Start one with <code>usefulwriter start</code> (API and worker) or{' '}
          <code>usefulwriter start --role worker</code>. Until then submissions wait.
        </EmptyState>
      ) : (
        health.workers.map((w) => (
          <Card key={w.workerId}>
            <h2>
              {w.hostname} <span className="muted">({w.workerId})</span>
            </h2>
            <p>
              <span
                className={`badge ${w.state === 'ready' ? 'badge-success' : w.state === 'refusing' ? 'badge-danger' : 'badge-muted'}`}
              >
                {STATE_TEXT[w.state]}
              </span>{' '}
              {w.slots} slot{w.slots === 1 ? '' : 's'} · reported {new Date(w.updatedAt).toLocaleString()}
            </p>
            {w.sandbox.available ? (
              <>
                <p>Sandbox: bubblewrap {w.sandbox.bwrapVersion ?? ''}</p>
                {w.sandbox.limits && <LimitsView limits={w.sandbox.limits} />}
              </>
            ) : (
              <Alert tone="error" title="The sandbox cannot run on this host">
                <p>{w.sandbox.reason}</p>
                {w.sandbox.fix && (
                  <p>
                    Fix: <code>{w.sandbox.fix}</code>
                  </p>
                )}
              </Alert>
            )}
            <h3>Languages</h3>
            <ul>
              {Object.entries(w.sandbox.languages).map(([language, status]) => (
                <li key={language}>
                  {language}:{' '}
                  {status.available
                    ? `available (${status.version ?? 'version unknown'})`
                    : `unavailable — ${status.reason ?? ''}`}
                  {!status.available && status.fix && (
                    <>
                      {' '}
                      Fix: <code>{status.fix}</code>
                    </>
                  )}
                </li>
              ))}
            </ul>
            <h3>Canary attacks</h3>
            {!w.canaries.ran ? (
              <p className="muted">Not run (the sandbox is unavailable, or the worker is still starting).</p>
            ) : w.canaries.ok ? (
              <p>All blocked.</p>
            ) : (
              <Alert tone="error" title="A canary got out: this worker refuses to judge">
                <ul>
                  {w.canaries.failures.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
              </Alert>
            )}
          </Card>
        ))
      )}
    </>
  );
}

type Limits = NonNullable<JudgeHealth['workers'][number]['sandbox']['limits']>;

/** Whether each box has its own cgroup, or only rlimits (and why). */
function LimitsView({ limits }: { limits: Limits }) {
  if (limits.mechanism === 'rlimit')
    return (
      <Alert tone="warning" title="Limits: rlimits only (no cgroups)">
        <p>
          Memory, processes and CPU are limited per process, not per box: memory spread over several
          processes, or allocated outside a runtime's heap, is only caught after the fact.
        </p>
        <p>Why: {limits.cgroups}</p>
      </Alert>
    );
  return (
    <p>
      Limits: each run in its own cgroup ({limits.mechanism === 'cgroup-v2' ? 'v2' : 'v1'}) — memory with swap
      off, processes, one core of CPU; rlimits as a backstop. <span className="muted">{limits.cgroups}</span>
    </p>
  );
}
