import { useMutation, useQueryClient } from '@tanstack/react-query';
import { enrollmentCreatedSchema } from '../../../../contracts/courses.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { ErrorAlert } from '../../components/Feedback.tsx';
import { api, isApiError } from '../../lib/api.ts';

/** A subscription course: subscribers enrol through their plan; others are sent to the plans. */
export function SubscriptionBox({
  courseId,
  slug,
  signedIn,
}: {
  courseId: string;
  slug: string;
  signedIn: boolean;
}) {
  const client = useQueryClient();
  const enrol = useMutation({
    mutationFn: () =>
      api.post(
        `/api/payments/subscription-enrollment/${encodeURIComponent(courseId)}`,
        enrollmentCreatedSchema,
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['courses'] }),
  });
  return (
    <div className="enrol-box">
      <p className="included">Included with a subscription</p>
      {signedIn ? (
        <Button className="btn-block" busy={enrol.isPending} onClick={() => enrol.mutate()}>
          Enrol with your subscription
        </Button>
      ) : (
        <ButtonLink to={`/sign-in?next=${encodeURIComponent(`/courses/${slug}`)}`} className="btn-block">
          Sign in to enrol
        </ButtonLink>
      )}
      {enrol.isError &&
        (isApiError(enrol.error, 'forbidden') ? (
          <p className="muted small" role="alert">
            You need an active plan to enrol.
          </p>
        ) : (
          <ErrorAlert error={enrol.error} title="You could not be enrolled" />
        ))}
      <ButtonLink to="/plans" variant="secondary" className="btn-block">
        See plans
      </ButtonLink>
    </div>
  );
}
