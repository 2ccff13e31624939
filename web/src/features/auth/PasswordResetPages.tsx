import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { z } from 'zod';
import {
  AUTH_ROUTES,
  linkTokenSchema,
  newPasswordSchema,
  passwordResetRequestBodySchema,
} from '../../../../contracts/auth.ts';
import { Button } from '../../components/Button.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import { FormPage } from '../../components/Page.tsx';
import { callRoute, isApiError } from '../../lib/api.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { NewPasswordFields } from './PasswordField.tsx';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const { errors, validate, fromServer } = useFieldErrors();
  const request = useMutation({
    mutationFn: (body: { email: string }) => callRoute(AUTH_ROUTES.passwordResetRequest, { body }),
    onError: fromServer,
  });

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (validate(passwordResetRequestBodySchema, { email })) request.mutate({ email });
  };

  if (request.isSuccess) {
    return (
      <FormPage title="Check your inbox">
        <Alert tone="success" title="If there is an account for this address, a link is on its way">
          {request.data.message} The link to <strong>{email}</strong> works once and expires soon.
        </Alert>
        <p>
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </FormPage>
    );
  }

  return (
    <FormPage title="Reset your password" lead="We will email you a link to choose a new password.">
      {request.isError && !isApiError(request.error, 'validation_failed') && (
        <ErrorAlert error={request.error} title="The link could not be sent" />
      )}
      <form onSubmit={handleSubmit} noValidate className="stack">
        <TextField
          label="Email address"
          name="email"
          type="email"
          autoComplete="email"
          inputMode="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.email}
        />
        <Button type="submit" busy={request.isPending} className="btn-block">
          Send the link
        </Button>
      </form>
      <p className="form-footer">
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </FormPage>
  );
}

const resetFormSchema = z
  .object({ password: newPasswordSchema, repeat: z.string() })
  .refine((form) => form.password === form.repeat, {
    message: 'The two passwords differ.',
    path: ['repeat'],
  });

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get('token') ?? '';
  const [form, setForm] = useState({ password: '', repeat: '' });
  const { errors, validate, fromServer } = useFieldErrors();
  const complete = useMutation({
    mutationFn: (password: string) =>
      callRoute(AUTH_ROUTES.passwordResetComplete, { body: { token, password } }),
    onSuccess: () => navigate('/sign-in?reset=1', { replace: true }),
    onError: fromServer,
  });

  if (!linkTokenSchema.safeParse(token).success) {
    return (
      <FormPage title="Choose a new password">
        <Alert tone="error" title="This link is incomplete">
          Open the link from the email again, or <Link to="/forgot-password">ask for a new one</Link>.
        </Alert>
      </FormPage>
    );
  }

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (validate(resetFormSchema, form)) complete.mutate(form.password);
  };

  return (
    <FormPage title="Choose a new password" lead="Signing in everywhere else ends when you change it.">
      {complete.isError &&
        (isApiError(complete.error, 'invalid_token') ? (
          <Alert tone="error" title="This link no longer works">
            It was already used or has expired. <Link to="/forgot-password">Ask for a new one</Link>.
          </Alert>
        ) : isApiError(complete.error, 'validation_failed') ? null : (
          <ErrorAlert error={complete.error} title="Your password could not be changed" />
        ))}
      <form onSubmit={handleSubmit} noValidate className="stack">
        <NewPasswordFields
          name="password"
          value={form.password}
          onChange={(password) => setForm((f) => ({ ...f, password }))}
          error={errors.password}
          repeat={form.repeat}
          onRepeatChange={(repeat) => setForm((f) => ({ ...f, repeat }))}
          repeatError={errors.repeat}
        />
        <Button type="submit" busy={complete.isPending} className="btn-block">
          Change password
        </Button>
      </form>
    </FormPage>
  );
}
