import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { AUTH_ROUTES, linkTokenSchema } from '../../../../contracts/auth.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { FormPage } from '../../components/Page.tsx';
import { callRoute, isApiError } from '../../lib/api.ts';
import { sessionKey } from './session.ts';

/** The link sent to a new address lands here (?token=); like confirmation, it takes a click. */
export function ConfirmEmailChangePage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const queryClient = useQueryClient();
  const confirm = useMutation({
    mutationFn: () => callRoute(AUTH_ROUTES.emailChangeConfirm, { body: { token } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey }),
  });

  if (!linkTokenSchema.safeParse(token).success) {
    return (
      <FormPage title="Confirm your new email address">
        <Alert tone="error" title="This link is incomplete">
          Open the link from the email again, or copy the whole address into the browser.
        </Alert>
      </FormPage>
    );
  }

  if (confirm.isSuccess) {
    return (
      <FormPage title="Email address changed">
        <Alert tone="success" title="Done">
          From now on, sign in with <strong>{confirm.data.email}</strong>.
        </Alert>
        <ButtonLink to="/">Browse the courses</ButtonLink>
      </FormPage>
    );
  }

  return (
    <FormPage
      title="Confirm your new email address"
      lead="Your account moves to this address once you confirm."
    >
      {confirm.isError &&
        (isApiError(confirm.error, 'invalid_token') ? (
          <Alert tone="error" title="This link no longer works">
            It was already used or has expired. Ask for the change again from your profile.
          </Alert>
        ) : (
          <ErrorAlert error={confirm.error} title="Your address could not be changed" />
        ))}
      <Button busy={confirm.isPending} onClick={() => confirm.mutate()} className="btn-block">
        Use this email address
      </Button>
      <p className="form-footer">
        <Link to="/">Not now</Link>
      </p>
    </FormPage>
  );
}
