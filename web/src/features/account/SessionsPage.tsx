import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { SessionInfo } from '../../../../contracts/auth.ts';
import { Button } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { Card, PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { leaveSignedOut, useSignOut } from '../auth/session.ts';
import { useMySessions, useRevokeSession, useSignOutEverywhere } from './account.api.ts';

/** "Firefox on Linux" from a user agent: enough to recognise a device, no library needed. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser =
    [
      ['Edg/', 'Edge'],
      ['OPR/', 'Opera'],
      ['Firefox/', 'Firefox'],
      ['Chrome/', 'Chrome'],
      ['Safari/', 'Safari'],
    ].find(([token]) => userAgent.includes(token!))?.[1] ?? 'A browser or app';
  const os =
    [
      ['Android', 'Android'],
      ['iPhone', 'iPhone'],
      ['iPad', 'iPad'],
      ['Windows', 'Windows'],
      ['Mac OS X', 'macOS'],
      ['CrOS', 'ChromeOS'],
      ['Linux', 'Linux'],
    ].find(([token]) => userAgent.includes(token!))?.[1] ?? '';
  return os ? `${browser} on ${os}` : browser;
}

export function SessionsPage() {
  useDocumentTitle('Sessions');
  const sessions = useMySessions();
  const revoke = useRevokeSession();
  const signOut = useSignOut();
  const everywhere = useSignOutEverywhere();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);

  const handleRevoke = (session: SessionInfo) => {
    if (session.current) {
      signOut.mutate();
    } else {
      revoke.mutate(session.id);
    }
  };

  const handleEverywhere = () => {
    everywhere.mutateAsync().then(
      async () => {
        setConfirming(false);
        await leaveSignedOut(queryClient, navigate);
      },
      () => {}, // shown in the dialog from everywhere.error
    );
  };

  return (
    <>
      <PageHeader
        title="Sessions"
        lead="Where you are signed in. Sign out of any device you do not recognise."
        actions={
          <Button variant="danger" onClick={() => setConfirming(true)}>
            Sign out everywhere
          </Button>
        }
      />
      <ErrorAlert error={revoke.error} title="That session could not be ended" />
      <QueryView query={sessions} loading="Loading your sessions…">
        {(data) =>
          data.sessions.length === 0 ? (
            <EmptyState title="No active sessions" />
          ) : (
            <ul className="session-list" aria-label="Active sessions">
              {data.sessions.map((session) => (
                <li key={session.id}>
                  <Card className="session">
                    <div>
                      <p className="session-device">
                        {describeDevice(session.userAgent)}
                        {session.current && <span className="badge badge-success">This device</span>}
                      </p>
                      <dl className="session-facts">
                        <div>
                          <dt>IP address</dt>
                          <dd>{session.ip ?? 'unknown'}</dd>
                        </div>
                        <div>
                          <dt>Signed in</dt>
                          <dd>{formatDateTime(session.createdAt)}</dd>
                        </div>
                        <div>
                          <dt>Last active</dt>
                          <dd>{formatDateTime(session.lastUsedAt)}</dd>
                        </div>
                      </dl>
                    </div>
                    <Button
                      variant="secondary"
                      busy={
                        (revoke.isPending && revoke.variables === session.id) ||
                        (session.current && signOut.isPending)
                      }
                      onClick={() => handleRevoke(session)}
                    >
                      Sign out
                      <span className="visually-hidden">
                        {' '}
                        {session.current ? 'of this device' : describeDevice(session.userAgent)}
                      </span>
                    </Button>
                  </Card>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
      <ConfirmDialog
        open={confirming}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        tone="danger"
        busy={everywhere.isPending}
        onConfirm={handleEverywhere}
        onCancel={() => setConfirming(false)}
      >
        <p>Every device, this one included, will need your password again.</p>
        <ErrorAlert error={everywhere.error} />
      </ConfirmDialog>
    </>
  );
}
