import { z } from 'zod';

/**
 * Every error code the API answers with, and its HTTP status. The web app switches on these codes,
 * never on messages. A module needing a new code adds it here.
 *
 * `not_found` also answers "exists but is not yours", so a caller cannot probe for existence.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  invalid_token: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  slug_taken: 409,
  order_mismatch: 409,
  course_not_ready: 409,
  course_has_learners: 409,
  max_attempts_reached: 409,
  attempt_closed: 409,
  deadline_passed: 409,
  answer_locked: 409,
  quiz_empty: 409,
  already_enrolled: 409,
  checkout_closed: 409,
  not_refundable: 409,
  promo_invalid: 404,
  promo_expired: 410,
  promo_used_up: 409,
  promo_not_applicable: 422,
  invalid_signature: 400,
  payload_too_large: 413,
  file_too_large: 413,
  unsupported_media_type: 415,
  file_type_not_allowed: 415,
  range_not_satisfiable: 416,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** The message used when a thrower gives none. */
export const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  bad_request: 'The request is not valid.',
  validation_failed: 'The request did not pass validation.',
  invalid_json: 'The request body is not valid JSON.',
  invalid_token: 'This link is invalid or has expired; ask for a new one.',
  invalid_cursor: 'This page cursor is not valid for this list; start again from the first page.',
  unauthorized: 'Sign in to continue.',
  invalid_credentials: 'The email address or password is wrong.',
  forbidden: 'You are not allowed to do this.',
  csrf_failed: 'The request lacks a valid CSRF token; reload the page and try again.',
  not_found: 'Not found.',
  conflict: 'This conflicts with existing data.',
  slug_taken: 'Another course already uses this address; choose another slug.',
  order_mismatch: 'The list does not match the current items; reload and try again.',
  course_not_ready: 'The course is not ready to publish; see the checklist.',
  course_has_learners: 'Learners are enrolled in this course; archive it instead.',
  max_attempts_reached:
    'You have used every attempt allowed on this quiz; ask your instructor for an extra attempt.',
  attempt_closed: 'This attempt has already been submitted; start a new attempt to answer again.',
  deadline_passed:
    'Time is up: the attempt was submitted with the answers saved before the deadline. Open it to see your result.',
  answer_locked: 'This answer was already checked and cannot be changed in this attempt.',
  quiz_empty: 'This quiz has no questions yet; try again once the instructor has added some.',
  already_enrolled: 'You already have access to this course; open it from My learning.',
  checkout_closed: 'This checkout is no longer open; start again from the course page.',
  not_refundable: 'This payment cannot be refunded (it was not completed or is already refunded).',
  promo_invalid: 'This code does not exist or is not active. Check the spelling.',
  promo_expired: 'This code has expired.',
  promo_used_up: 'This code has been used as many times as it allows.',
  promo_not_applicable: 'This code does not apply to this item.',
  invalid_signature: 'The webhook signature is missing or does not match.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'This content type is not supported.',
  file_too_large: 'The file is larger than allowed for this kind of upload.',
  file_type_not_allowed: 'This kind of file is not accepted here.',
  range_not_satisfiable: 'The requested byte range is outside the file.',
  rate_limited: 'Too many requests; try again later.',
  internal_error: 'Something went wrong on our side.',
  service_unavailable: 'The service is not available right now.',
};

export const errorCodeSchema = z.enum(ERROR_CODES);

/** One problem with one input field, as listed in `details.issues` of a validation error. */
export const validationIssueSchema = z.object({
  /** Where: `body.title`, `querystring.page`, `body.tags.0`; `body` for the body as a whole. */
  path: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof validationIssueSchema>;

/** The body of every error response. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: errorCodeSchema,
      message: z.string(),
      /** Quote it when reporting a problem: it finds the request in the server log. */
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
