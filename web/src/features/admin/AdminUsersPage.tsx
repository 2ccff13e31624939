import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { profileRoleSchema, type AdminUser, type ProfileRole } from '../../../../contracts/auth.ts';
import { Button } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { SelectField, TextField } from '../../components/Field.tsx';
import { PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { capitalize, formatDate } from '../../lib/format.ts';
import { useSession } from '../auth/session.ts';
import { useAdminUsers, useUpdateUser } from './admin.api.ts';

const ROLES = profileRoleSchema.options;

type PendingChange =
  | { kind: 'role'; user: AdminUser; role: ProfileRole }
  | { kind: 'active'; user: AdminUser; isActive: boolean };

/** Search users, change a role, deactivate or reactivate — each change confirmed in a dialog. */
export function AdminUsersPage() {
  useDocumentTitle('Users');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const roleParam = params.get('role');
  const role = ROLES.find((r) => r === roleParam);
  const [search, setSearch] = useState(q);
  const users = useAdminUsers({ q, role });
  const update = useUpdateUser();
  const me = useSession().data;
  const [pending, setPending] = useState<PendingChange | null>(null);
  const [done, setDone] = useState<string | null>(null);

  // Search as you type, a moment after the typing stops; the query lives in the URL.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (search === q) return;
      const next = new URLSearchParams(params);
      if (search.trim()) next.set('q', search.trim());
      else next.delete('q');
      setParams(next, { replace: true });
    }, 300);
    return () => clearTimeout(timer);
  }, [search, q, params, setParams]);

  const setRoleFilter = (value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set('role', value);
    else next.delete('role');
    setParams(next, { replace: true });
  };

  const confirm = () => {
    if (!pending) return;
    const { user } = pending;
    const name = user.fullName ?? user.email;
    const body = pending.kind === 'role' ? { role: pending.role } : { isActive: pending.isActive };
    update.mutate(
      { userId: user.id, ...body },
      {
        onSuccess: () => {
          setPending(null);
          setDone(
            pending.kind === 'role'
              ? `${name} is now ${article(pending.role)} ${pending.role}.`
              : pending.isActive
                ? `${name} can sign in again.`
                : `${name} is deactivated and signed out everywhere.`,
          );
        },
      },
    );
  };

  const items = users.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <PageHeader title="Users" lead="Find people, change what they may do, or stop an account." />
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <TextField
          label="Search"
          type="search"
          placeholder="Email or name"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <SelectField label="Role" value={role ?? ''} onChange={(e) => setRoleFilter(e.target.value)}>
          <option value="">Any role</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {capitalize(r)}
            </option>
          ))}
        </SelectField>
      </form>
      <div aria-live="polite">{done && <Alert tone="success">{done}</Alert>}</div>

      <QueryView query={users} loading="Loading users…" errorTitle="The users could not be loaded">
        {() =>
          items.length === 0 ? (
            <EmptyState title="No users match">
              {q || role ? <p>Try another search or role.</p> : null}
            </EmptyState>
          ) : (
            <>
              <p className="muted" aria-live="polite">
                {users.isFetching && !users.isFetchingNextPage
                  ? 'Searching…'
                  : `${items.length}${users.hasNextPage ? '+' : ''} shown`}
              </p>
              <table className="data-table">
                <caption className="visually-hidden">Users, ordered by email</caption>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">Joined</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((user) => {
                    const isMe = user.id === me?.id;
                    return (
                      <tr key={user.id}>
                        <th scope="row" data-label="Person">
                          <span className="person-name">{user.fullName ?? user.displayName ?? '—'}</span>
                          <span className="muted small block">{user.email}</span>
                        </th>
                        <td data-label="Role">
                          <label className="visually-hidden" htmlFor={`role-${user.id}`}>
                            Role of {user.email}
                          </label>
                          <select
                            id={`role-${user.id}`}
                            className="input select input-compact"
                            value={user.role}
                            disabled={isMe}
                            onChange={(e) =>
                              setPending({ kind: 'role', user, role: e.target.value as ProfileRole })
                            }
                          >
                            {ROLES.map((r) => (
                              <option key={r} value={r}>
                                {capitalize(r)}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td data-label="Status">
                          {user.isActive ? (
                            <span className="badge badge-success">Active</span>
                          ) : (
                            <span className="badge badge-muted">Deactivated</span>
                          )}
                        </td>
                        <td data-label="Joined">{formatDate(user.createdAt)}</td>
                        <td data-label="Actions">
                          {isMe ? (
                            <span className="muted small">You</span>
                          ) : (
                            <Button
                              variant={user.isActive ? 'secondary' : 'primary'}
                              onClick={() => setPending({ kind: 'active', user, isActive: !user.isActive })}
                            >
                              {user.isActive ? 'Deactivate' : 'Reactivate'}
                              <span className="visually-hidden"> {user.email}</span>
                            </Button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {users.hasNextPage && (
                <div className="load-more">
                  <Button
                    variant="secondary"
                    busy={users.isFetchingNextPage}
                    onClick={() => void users.fetchNextPage()}
                  >
                    Show more users
                  </Button>
                </div>
              )}
            </>
          )
        }
      </QueryView>

      <ConfirmDialog
        open={pending !== null}
        title={dialogTitle(pending)}
        confirmLabel={
          pending?.kind === 'role' ? 'Change role' : pending?.isActive ? 'Reactivate' : 'Deactivate'
        }
        tone={pending?.kind === 'active' && !pending.isActive ? 'danger' : 'primary'}
        busy={update.isPending}
        onConfirm={confirm}
        onCancel={() => {
          setPending(null);
          update.reset();
        }}
      >
        <p>{dialogBody(pending)}</p>
        <ErrorAlert error={update.error} />
      </ConfirmDialog>
    </>
  );
}

function article(word: string) {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function dialogTitle(change: PendingChange | null): string {
  if (!change) return '';
  const who = change.user.fullName ?? change.user.email;
  if (change.kind === 'role') return `Make ${who} ${article(change.role)} ${change.role}?`;
  return change.isActive ? `Reactivate ${who}?` : `Deactivate ${who}?`;
}

function dialogBody(change: PendingChange | null): string {
  if (!change) return '';
  if (change.kind === 'role') {
    return change.role === 'admin'
      ? 'Administrators can see every user and every email the platform sends, and change anyone’s role.'
      : `The change applies from their next request.`;
  }
  return change.isActive
    ? 'They will be able to sign in again.'
    : 'They are signed out everywhere at once and cannot sign in until reactivated. Their data stays.';
}
