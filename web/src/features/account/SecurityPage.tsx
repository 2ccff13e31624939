import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { z } from 'zod';
import {
  AUTH_ROUTES,
  changeEmailBodySchema,
  newPasswordSchema,
  passwordSchema,
} from '../../../../contracts/auth.ts';
import { Button } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import { Card, PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { callRoute, isApiError, type ApiError } from '../../lib/api.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { NewPasswordFields, PasswordField } from '../auth/PasswordField.tsx';
import { resetUserData, useSession } from '../auth/session.ts';

/** A wrong current password is a field error, not a page error. */
function wrongPassword(error: unknown, field: string): Record<string, string> | null {
  if (isApiError(error, 'invalid_credentials') || isApiError(error, 'forbidden')) {
    return { [field]: (error as ApiError).message || 'The password is wrong.' };
  }
  return null;
}

/** Password, email address and account deletion: each needs the current password. */
export function SecurityPage() {
  useDocumentTitle('Password and email');
  return (
    <>
      <PageHeader title="Password and email" lead="Changes here ask for your current password." />
      <div className="settings">
        <ChangePassword />
        <ChangeEmail />
        <DeleteAccount />
      </div>
    </>
  );
}

const changePasswordForm = z
  .object({ currentPassword: passwordSchema, newPassword: newPasswordSchema, repeat: z.string() })
  .refine((f) => f.newPassword === f.repeat, { message: 'The two passwords differ.', path: ['repeat'] });

function ChangePassword() {
  const [form, setForm] = useState({ currentPassword: '', newPassword: '', repeat: '' });
  const { errors, show, validate, fromServer } = useFieldErrors();
  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      callRoute(AUTH_ROUTES.changePassword, { body }),
    onSuccess: () => setForm({ currentPassword: '', newPassword: '', repeat: '' }),
    onError: (error) => {
      const wrong = wrongPassword(error, 'currentPassword');
      if (wrong) show(wrong);
      else fromServer(error);
    },
  });
  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const valid = validate(changePasswordForm, form);
    if (valid) change.mutate({ currentPassword: valid.currentPassword, newPassword: valid.newPassword });
  };
  const handled = isApiError(change.error, 'validation_failed') || wrongPassword(change.error, 'x') !== null;
  return (
    <Card>
      <h2>Change your password</h2>
      <form onSubmit={handleSubmit} noValidate className="stack">
        {change.isSuccess && (
          <Alert tone="success">Your password is changed. Your other devices are signed out.</Alert>
        )}
        {change.isError && !handled && (
          <ErrorAlert error={change.error} title="Your password could not be changed" />
        )}
        <PasswordField
          label="Current password"
          name="currentPassword"
          autoComplete="current-password"
          value={form.currentPassword}
          onChange={(currentPassword) => setForm((f) => ({ ...f, currentPassword }))}
          error={errors.currentPassword}
        />
        <NewPasswordFields
          name="newPassword"
          value={form.newPassword}
          onChange={(newPassword) => setForm((f) => ({ ...f, newPassword }))}
          error={errors.newPassword}
          repeat={form.repeat}
          onRepeatChange={(repeat) => setForm((f) => ({ ...f, repeat }))}
          repeatError={errors.repeat}
        />
        <div>
          <Button type="submit" busy={change.isPending}>
            Change password
          </Button>
        </div>
      </form>
    </Card>
  );
}

function ChangeEmail() {
  const session = useSession();
  const [form, setForm] = useState({ newEmail: '', password: '' });
  const { errors, show, validate, fromServer } = useFieldErrors();
  const change = useMutation({
    mutationFn: (body: { newEmail: string; password: string }) =>
      callRoute(AUTH_ROUTES.changeEmail, { body }),
    onError: (error) => {
      const wrong = wrongPassword(error, 'password');
      if (wrong) show(wrong);
      else fromServer(error);
    },
  });
  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (validate(changeEmailBodySchema, form)) change.mutate(form);
  };
  const handled = isApiError(change.error, 'validation_failed') || wrongPassword(change.error, 'x') !== null;
  return (
    <Card>
      <h2>Change your email address</h2>
      <p className="muted">
        Now: <strong>{session.data?.email}</strong>. We send a link to the new address; the change happens
        when you open it.
      </p>
      {change.isSuccess ? (
        <Alert tone="success" title="Check the new inbox">
          {change.data.message} Open the link sent to <strong>{form.newEmail}</strong> to finish.
        </Alert>
      ) : (
        <form onSubmit={handleSubmit} noValidate className="stack">
          {change.isError && !handled && (
            <ErrorAlert error={change.error} title="Your address could not be changed" />
          )}
          <TextField
            label="New email address"
            name="newEmail"
            type="email"
            autoComplete="email"
            value={form.newEmail}
            onChange={(e) => setForm((f) => ({ ...f, newEmail: e.target.value }))}
            error={errors.newEmail}
          />
          <PasswordField
            label="Current password"
            name="password"
            autoComplete="current-password"
            value={form.password}
            onChange={(password) => setForm((f) => ({ ...f, password }))}
            error={errors.password}
          />
          <div>
            <Button type="submit" busy={change.isPending}>
              Send the link
            </Button>
          </div>
        </form>
      )}
    </Card>
  );
}

function DeleteAccount() {
  const [password, setPassword] = useState('');
  const [confirming, setConfirming] = useState(false);
  const { errors, show, validate } = useFieldErrors();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const erase = useMutation({
    mutationFn: () => callRoute(AUTH_ROUTES.deleteAccount, { body: { password } }),
    onSuccess: async () => {
      await navigate('/?deleted=1');
      resetUserData(queryClient, null);
    },
    onError: (error) => {
      const wrong = wrongPassword(error, 'password');
      if (wrong) {
        setConfirming(false);
        show(wrong);
      }
    },
  });
  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (validate(z.object({ password: passwordSchema }), { password })) setConfirming(true);
  };
  return (
    <Card>
      <h2>Delete your account</h2>
      <p>
        Your profile, progress and reviews are erased. Payment records stay, without your name, because the
        law requires them. This cannot be undone.
      </p>
      <form onSubmit={handleSubmit} noValidate className="stack">
        <PasswordField
          label="Current password"
          name="deletePassword"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          error={errors.password}
        />
        <div>
          <Button type="submit" variant="danger">
            Delete my account
          </Button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming}
        title="Delete your account for good?"
        confirmLabel="Delete my account"
        tone="danger"
        busy={erase.isPending}
        onConfirm={() => erase.mutate()}
        onCancel={() => setConfirming(false)}
      >
        <p>You are signed out everywhere and your personal data is erased.</p>
        {erase.isError && wrongPassword(erase.error, 'x') === null && <ErrorAlert error={erase.error} />}
      </ConfirmDialog>
    </Card>
  );
}
