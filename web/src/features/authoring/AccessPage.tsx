import { useState, type FormEvent } from 'react';
import { z } from 'zod';
import type { Grant } from '../../../../contracts/learning.ts';
import { Button } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import { Card } from '../../components/Page.tsx';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { useEditorCourse } from './CourseEditorLayout.tsx';
import { useGrantMutations, useGrants } from './grants.api.ts';

/** A date field's value (YYYY-MM-DD) as the end of that day in the author's own time zone. */
export function endOfLocalDay(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, day, 23, 59, 59);
}

const grantFormSchema = z.object({
  email: z.email('Enter an email address, like name@example.com.'),
  until: z
    .string()
    .refine((value) => value === '' || endOfLocalDay(value) > new Date(), 'Choose a day from today on.'),
});

/**
 * The Access tab: give a learner free access to this course by email, optionally until a day, and
 * take it back. The list never says whether an address has an account: a grant waits for it.
 */
export function AccessPage() {
  const course = useEditorCourse();
  const grants = useGrants(course.id);
  const { grant, revoke } = useGrantMutations(course.id);
  const [form, setForm] = useState({ email: '', until: '' });
  const { errors, validate, fromServer } = useFieldErrors();
  const [granted, setGranted] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Grant | null>(null);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    setGranted(null);
    const valid = validate(grantFormSchema, form);
    if (!valid) return;
    grant.mutate(
      { email: valid.email, expiresAt: valid.until ? endOfLocalDay(valid.until).toISOString() : null },
      {
        onSuccess: (result) => {
          setGranted(result.email);
          setForm({ email: '', until: '' });
        },
        onError: fromServer,
      },
    );
  };

  const active = grants.data?.items.filter((g) => !g.revokedAt) ?? [];
  const revoked = grants.data?.items.filter((g) => g.revokedAt) ?? [];

  return (
    <div className="stack">
      <Card>
        <h2>Give access by email</h2>
        <p className="muted">
          The learner studies this course for free, like an enrolled learner. Someone without an account gets
          access as soon as they sign up and confirm this address.
        </p>
        {granted && <Alert tone="success">Access granted to {granted}.</Alert>}
        {grant.isError && !errors.email && !errors.expiresAt && (
          <ErrorAlert error={grant.error} title="Access could not be granted" />
        )}
        <form onSubmit={handleSubmit} noValidate className="stack">
          <TextField
            label="Learner's email address"
            name="email"
            type="email"
            autoComplete="off"
            value={form.email}
            onChange={(event) => setForm((f) => ({ ...f, email: event.target.value }))}
            error={errors.email}
          />
          <TextField
            label="Access until (optional)"
            name="until"
            type="date"
            hint="Leave empty for access without an end. Access ends at the end of that day."
            value={form.until}
            onChange={(event) => setForm((f) => ({ ...f, until: event.target.value }))}
            error={errors.until ?? errors.expiresAt}
          />
          <div>
            <Button type="submit" busy={grant.isPending}>
              Give access
            </Button>
          </div>
        </form>
      </Card>

      <Card>
        <h2>Access given</h2>
        <QueryView query={grants} loading="Loading access…">
          {() =>
            active.length === 0 ? (
              <EmptyState title="Nobody has been given access yet">
                Learners who enrol themselves are not listed here.
              </EmptyState>
            ) : (
              <ul className="grant-list" aria-label="Access given">
                {active.map((g) => (
                  <li key={g.email} className="grant">
                    <span className="grant-email">{g.email}</span>
                    <span className="muted">
                      {g.expiresAt ? `until ${formatDate(g.expiresAt)}` : 'no end date'} · given{' '}
                      {formatDateTime(g.grantedAt)}
                    </span>
                    <Button variant="secondary" onClick={() => setRevoking(g)}>
                      Revoke<span className="visually-hidden"> access for {g.email}</span>
                    </Button>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
        {revoke.isError && <ErrorAlert error={revoke.error} title="Access could not be revoked" />}
        {revoked.length > 0 && (
          <details>
            <summary>Revoked ({revoked.length})</summary>
            <ul className="grant-list">
              {revoked.map((g) => (
                <li key={g.email} className="grant muted">
                  {g.email} · revoked {formatDateTime(g.revokedAt!)}
                </li>
              ))}
            </ul>
          </details>
        )}
      </Card>

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke access for ${revoking?.email ?? ''}?`}
        confirmLabel="Revoke access"
        tone="danger"
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking.email, { onSettled: () => setRevoking(null) })}
        onCancel={() => setRevoking(null)}
      >
        They lose the access this grant gave. If they enrolled or bought the course themselves, they keep
        that. Their progress and notes stay.
      </ConfirmDialog>
    </div>
  );
}
