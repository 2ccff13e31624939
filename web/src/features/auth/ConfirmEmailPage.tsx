import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { AUTH_ROUTES, linkTokenSchema } from '../../../../contracts/auth.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { FormPage } from '../../components/Page.tsx';
import { callRoute, isApiError } from '../../lib/api.ts';
import { sessionKey, useSession } from './session.ts';

/**
 * The link in the confirmation email lands here (?token=). Confirming takes a click rather than
 * happening on load: mail scanners that open links must not use up the single-use token.
 */
export function ConfirmEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const tokenIsWellFormed = linkTokenSchema.safeParse(token).success;
  const queryClient = useQueryClient();
  const session = useSession();
  const confirm = useMutation({
    mutationFn: () => callRoute(AUTH_ROUTES.confirmEmail, { body: { token } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey }),
  });

  if (!tokenIsWellFormed) {
    return (
      <FormPage title="Confirm your email address">
        <Alert tone="error" title="This link is incomplete">
          Open the link from the email again, or copy the whole address into the browser.
        </Alert>
      </FormPage>
    );
  }

  if (confirm.isSuccess) {
    return (
      <FormPage title="Email address confirmed">
        <Alert tone="success" title="Thank you">
          Your email address is confirmed.
        </Alert>
        {session.data ? (
          <ButtonLink to="/">Browse the courses</ButtonLink>
        ) : (
          <ButtonLink to="/sign-in?confirmed=1">Sign in</ButtonLink>
        )}
      </FormPage>
    );
  }

  return (
    <FormPage title="Confirm your email address" lead="One click and your account is ready.">
      {confirm.isError &&
        (isApiError(confirm.error, 'invalid_token') ? (
          <Alert tone="error" title="This link no longer works">
            It was already used or has expired. Sign in and ask for a new one from the banner at the top of
            the page.
          </Alert>
        ) : (
          <ErrorAlert error={confirm.error} title="Your address could not be confirmed" />
        ))}
      <Button busy={confirm.isPending} onClick={() => confirm.mutate()} className="btn-block">
        Confirm my email address
      </Button>
      <p className="form-footer">
        <Link to="/">Not now</Link>
      </p>
    </FormPage>
  );
}
