import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { z } from 'zod';
import { Button } from '../../components/Button.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import { FormPage } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { PasswordField } from './PasswordField.tsx';
import { clearSignedOutOnPurpose, useSignIn } from './session.ts';

const signInFormSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address.'),
  password: z.string().min(1, 'Enter your password.'),
});

/** Only same-site paths: `next` comes from the URL and must not send anyone elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

const NOTICES: Record<string, string> = {
  signedOut: 'You are signed out.',
  reset: 'Your password is changed. Sign in with the new one.',
  confirmed: 'Your email address is confirmed. Sign in to continue.',
};

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [form, setForm] = useState({ email: '', password: '' });
  const { errors, validate, fromServer } = useFieldErrors();
  const signIn = useSignIn();
  const notice = Object.keys(NOTICES).find((key) => params.has(key));
  useEffect(() => {
    if (notice === 'signedOut') clearSignedOutOnPurpose();
  }, [notice]);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!validate(signInFormSchema, form)) return;
    signIn.mutate(form, {
      onSuccess: () => navigate(safeNext(params.get('next')), { replace: true }),
      onError: fromServer,
    });
  };

  return (
    <FormPage title="Sign in">
      {notice && !signIn.isError && <Alert tone="success">{NOTICES[notice]}</Alert>}
      {signIn.isError &&
        (isApiError(signIn.error, 'invalid_credentials') ? (
          <Alert tone="error" title="Wrong email address or password">
            Check both and try again, or <Link to="/forgot-password">reset your password</Link>.
          </Alert>
        ) : isApiError(signIn.error, 'validation_failed') ? null : (
          <ErrorAlert error={signIn.error} title="You could not be signed in" />
        ))}
      <form onSubmit={handleSubmit} noValidate className="stack">
        <TextField
          label="Email address"
          name="email"
          type="email"
          autoComplete="username"
          inputMode="email"
          required
          value={form.email}
          onChange={(e) => setForm((f) => ({ ...f, email: e.target.value }))}
          error={errors.email}
        />
        <PasswordField
          label="Password"
          name="password"
          autoComplete="current-password"
          value={form.password}
          onChange={(password) => setForm((f) => ({ ...f, password }))}
          error={errors.password}
        />
        <Button type="submit" busy={signIn.isPending} className="btn-block">
          Sign in
        </Button>
      </form>
      <p className="form-footer">
        <Link to="/forgot-password">Forgot your password?</Link>
        <span>
          New here? <Link to="/sign-up">Create an account</Link>
        </span>
      </p>
    </FormPage>
  );
}
