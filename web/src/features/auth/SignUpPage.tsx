import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import {
  AUTH_ROUTES,
  MINIMUM_AGE_YEARS,
  PASSWORD_MIN_LENGTH,
  signUpBodySchema,
} from '../../../../contracts/auth.ts';
import { Button } from '../../components/Button.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import { FormPage } from '../../components/Page.tsx';
import { browserTimeZone, TimezonePicker } from '../../components/TimezonePicker.tsx';
import { callRoute } from '../../lib/api.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { PasswordField } from './PasswordField.tsx';

export function SignUpPage() {
  const [form, setForm] = useState({
    fullName: '',
    email: '',
    password: '',
    dateOfBirth: '',
    timezone: browserTimeZone(),
  });
  const { errors, validate, fromServer } = useFieldErrors();
  const signUp = useMutation({
    mutationFn: (body: typeof form) => callRoute(AUTH_ROUTES.signUp, { body }),
    onError: fromServer,
  });
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (validate(signUpBodySchema, form)) signUp.mutate(form);
  };

  if (signUp.isSuccess) {
    return (
      <FormPage title="Check your inbox">
        <Alert tone="success" title="One more step">
          {signUp.data.message} Open the link in the email we sent to <strong>{form.email}</strong> to confirm
          your address.
        </Alert>
        <p>
          You can already <Link to="/sign-in">sign in</Link>; you will need a confirmed address to buy a
          course.
        </p>
      </FormPage>
    );
  }

  const serverProblem = signUp.isError && Object.keys(errors).length === 0;
  return (
    <FormPage title="Create your account" lead="Learn at your own pace. It takes a minute.">
      {serverProblem && <ErrorAlert error={signUp.error} title="Your account could not be created" />}
      <form onSubmit={handleSubmit} noValidate className="stack">
        <TextField
          label="Full name"
          name="fullName"
          autoComplete="name"
          required
          value={form.fullName}
          onChange={(e) => set('fullName')(e.target.value)}
          error={errors.fullName}
        />
        <TextField
          label="Email address"
          name="email"
          type="email"
          autoComplete="email"
          inputMode="email"
          required
          value={form.email}
          onChange={(e) => set('email')(e.target.value)}
          error={errors.email}
        />
        <PasswordField
          label="Password"
          name="password"
          autoComplete="new-password"
          value={form.password}
          onChange={set('password')}
          error={errors.password}
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a strong, memorable password.`}
        />
        <TextField
          label="Date of birth"
          name="dateOfBirth"
          type="date"
          autoComplete="bday"
          required
          value={form.dateOfBirth}
          onChange={(e) => set('dateOfBirth')(e.target.value)}
          error={errors.dateOfBirth}
          hint={`You must be at least ${MINIMUM_AGE_YEARS} years old to have an account.`}
        />
        <TimezonePicker value={form.timezone} onChange={set('timezone')} error={errors.timezone} />
        <Button type="submit" busy={signUp.isPending} className="btn-block">
          Create account
        </Button>
      </form>
      <p className="form-footer">
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </FormPage>
  );
}
