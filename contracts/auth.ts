import { z } from 'zod';

/**
 * Accounts API: request/response schemas shared by the server (route schemas) and the web app,
 * and `AUTH_ROUTES`, the list of every route with its schemas. Timestamps travel as ISO 8601
 * strings, calendar dates as 'YYYY-MM-DD'.
 *
 * ## Credentials
 * - Web: sign-in/refresh set httpOnly cookies (`AUTH_COOKIES`). Every unsafe request (POST, PUT,
 *   PATCH, DELETE) that carries an auth cookie and no `Authorization` header must echo the
 *   readable `uw_csrf` cookie in the `x-csrf-token` header (double submit), else 403 `csrf_failed`.
 * - API clients: sign in with `tokenDelivery: 'body'`, then send `Authorization: Bearer <accessToken>`
 *   and refresh with `{ refreshToken }` in the body. Bearer requests need no CSRF token.
 * - Access tokens live `ACCESS_TOKEN_TTL_SECONDS`; refresh tokens rotate on every use (the old one
 *   stops working; presenting it again ends the whole session).
 *
 * ## Errors (contracts/errors.ts codes)
 * - `invalid_credentials` 401: wrong email or password (never says which).
 * - `invalid_token` 400: a confirmation / reset / email-change link that is unknown, used or expired.
 * - `unauthorized` 401: no or expired access token / refresh token → sign in (or refresh) again.
 * - `csrf_failed` 403: cookie request without a matching `x-csrf-token`.
 * - `rate_limited` 429 with a `Retry-After` header (seconds).
 * - `validation_failed` 400 with `details.issues[]` — including under-age sign-up
 *   (`body.dateOfBirth`) and weak or common passwords (`body.password` / `body.newPassword`).
 */

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
export const MINIMUM_AGE_YEARS = 14;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** Cookie names. The web reads only `csrf` (to echo it); the other two are httpOnly. */
export const AUTH_COOKIES = {
  /** httpOnly, path /, SameSite=Lax, Secure on https: the access token (JWT). */
  access: 'uw_access',
  /** httpOnly, path /api/auth, SameSite=Lax, Secure on https: the opaque refresh token. */
  refresh: 'uw_refresh',
  /** readable by scripts, path /, SameSite=Lax: echo its value in `x-csrf-token`. */
  csrf: 'uw_csrf',
} as const;
export const CSRF_HEADER = 'x-csrf-token';

const isoTimestamp = z.string().meta({ format: 'date-time' });
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((value) => {
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
  }, 'is not a real date')
  .meta({ format: 'date' });

/** Lower-cased and trimmed before anything looks at it. */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }));

/**
 * Length only (NIST SP 800-63B): no composition rules. The server additionally refuses passwords
 * from its list of common passwords (validation_failed on the password field).
 */
export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
/** A password being checked (sign-in, current password): any length up to the maximum. */
export const passwordSchema = z.string().min(1).max(PASSWORD_MAX_LENGTH);

/** An IANA time-zone name (Europe/Paris). The server checks it against its database too. */
export const timezoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return value.includes('/') || value === 'UTC';
    } catch {
      return false;
    }
  }, 'must be an IANA time-zone name such as Europe/Paris');

/** Opaque token from an emailed link (`?token=`). */
export const linkTokenSchema = z
  .string()
  .min(20)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/);

export const profileRoleSchema = z.enum(['student', 'instructor', 'admin']);
export type ProfileRole = z.infer<typeof profileRoleSchema>;

// ---------------------------------------------------------------- who is signed in

/** The signed-in user as the session knows them. `emailConfirmed: false` → remind; buying is refused. */
export const authUserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    emailConfirmed: z.boolean(),
    role: profileRoleSchema,
    fullName: z.string().nullable(),
    displayName: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    timezone: z.string(),
  })
  .meta({ id: 'AuthUser' });
export type AuthUser = z.infer<typeof authUserSchema>;

/** Tokens, only for `tokenDelivery: 'body'` (API clients). The web gets cookies instead. */
export const tokenPairSchema = z.object({
  tokenType: z.literal('bearer'),
  accessToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  refreshToken: z.string(),
});

export const sessionResponseSchema = z
  .object({
    user: authUserSchema,
    session: z.object({
      id: z.uuid(),
      accessTokenExpiresAt: isoTimestamp,
      refreshTokenExpiresAt: isoTimestamp,
    }),
    tokens: tokenPairSchema.optional(),
  })
  .meta({ id: 'SessionResponse' });
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

/** Answer to requests that must not reveal whether an address has an account. */
export const acceptedResponseSchema = z.object({ message: z.string() }).meta({ id: 'Accepted' });
export type AcceptedResponse = z.infer<typeof acceptedResponseSchema>;

export const okResponseSchema = z.object({ ok: z.literal(true) });

export const tokenDeliverySchema = z.enum(['cookie', 'body']).default('cookie');

// ---------------------------------------------------------------- /api/auth

export const signUpBodySchema = z.strictObject({
  email: emailSchema,
  password: newPasswordSchema,
  fullName: z.string().trim().min(1).max(200),
  dateOfBirth: calendarDate,
  timezone: timezoneSchema,
});
export type SignUpBody = z.input<typeof signUpBodySchema>;

export const signInBodySchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  tokenDelivery: tokenDeliverySchema,
});
export type SignInBody = z.input<typeof signInBodySchema>;

/** Web: empty body (the refresh cookie). API clients: the refresh token. */
export const refreshBodySchema = z.strictObject({
  refreshToken: z.string().min(20).max(200).optional(),
});
export type RefreshBody = z.input<typeof refreshBodySchema>;

/** Web: empty body. API clients may name the refresh token to end (else: the access token's session). */
export const signOutBodySchema = z.strictObject({
  refreshToken: z.string().min(20).max(200).optional(),
});

export const confirmEmailBodySchema = z.strictObject({ token: linkTokenSchema });
export const confirmEmailResponseSchema = z.object({ emailConfirmed: z.literal(true) });

export const passwordResetRequestBodySchema = z.strictObject({ email: emailSchema });
export const passwordResetCompleteBodySchema = z.strictObject({
  token: linkTokenSchema,
  password: newPasswordSchema,
});

export const emailChangeConfirmBodySchema = z.strictObject({ token: linkTokenSchema });
export const emailChangeConfirmResponseSchema = z.object({ email: z.string() });

export const timezonesResponseSchema = z.object({ timezones: z.array(z.string()) });

// ---------------------------------------------------------------- /api/me

export const emailNotificationsSchema = z.strictObject({
  courseUpdates: z.boolean(),
  weeklyProgress: z.boolean(),
  promotional: z.boolean(),
  dripContent: z.boolean(),
});
export type EmailNotifications = z.infer<typeof emailNotificationsSchema>;

/** The caller's own profile: the self-service columns plus what they may see but not change. */
export const myProfileSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    emailConfirmed: z.boolean(),
    role: profileRoleSchema,
    fullName: z.string().nullable(),
    displayName: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    bio: z.string().nullable(),
    timezone: z.string(),
    preferredLanguage: z.string(),
    dailyLearningGoal: z.number().int(),
    emailNotifications: emailNotificationsSchema,
    dateOfBirth: z.string().nullable(),
    subscriptionStatus: z.enum(['free', 'active', 'cancelled', 'past_due']),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'MyProfile' });
export type MyProfile = z.infer<typeof myProfileSchema>;

/** Only the self-service columns of access.md; every field optional, unknown fields refused. */
export const updateMyProfileBodySchema = z.strictObject({
  fullName: z.string().trim().min(1).max(200).nullable().optional(),
  displayName: z.string().trim().min(1).max(100).nullable().optional(),
  avatarUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .optional(),
  bio: z.string().max(5000).nullable().optional(),
  timezone: timezoneSchema.optional(),
  /** BCP 47 tag: en, pt-BR. */
  preferredLanguage: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or pt-BR')
    .optional(),
  /** Minutes per day, 1–1440. */
  dailyLearningGoal: z.number().int().min(1).max(1440).optional(),
  emailNotifications: emailNotificationsSchema.partial().optional(),
  dateOfBirth: calendarDate.nullable().optional(),
});
export type UpdateMyProfileBody = z.input<typeof updateMyProfileBodySchema>;

export const changePasswordBodySchema = z.strictObject({
  currentPassword: passwordSchema,
  newPassword: newPasswordSchema,
});

/** Sends a confirmation link to `newEmail`; the address changes only when that link is opened. */
export const changeEmailBodySchema = z.strictObject({
  newEmail: emailSchema,
  password: passwordSchema,
});

export const deleteAccountBodySchema = z.strictObject({ password: passwordSchema });

export const sessionInfoSchema = z
  .object({
    id: z.uuid(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    createdAt: isoTimestamp,
    lastUsedAt: isoTimestamp,
    expiresAt: isoTimestamp,
    /** The session this request comes from. */
    current: z.boolean(),
  })
  .meta({ id: 'SessionInfo' });
export type SessionInfo = z.infer<typeof sessionInfoSchema>;
export const sessionListResponseSchema = z.object({ sessions: z.array(sessionInfoSchema) });
export const sessionIdParamsSchema = z.object({ sessionId: z.uuid() });

// ---------------------------------------------------------------- /api/admin/users

export const adminUserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    fullName: z.string().nullable(),
    displayName: z.string().nullable(),
    role: profileRoleSchema,
    isActive: z.boolean(),
    createdAt: isoTimestamp,
    lastActiveAt: isoTimestamp.nullable(),
  })
  .meta({ id: 'AdminUser' });
export type AdminUser = z.infer<typeof adminUserSchema>;

export const adminUserListQuerySchema = z.strictObject({
  /** Matches email, full name or display name (case-insensitive substring). */
  q: z.string().trim().max(200).optional(),
  role: profileRoleSchema.optional(),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type AdminUserListQuery = z.input<typeof adminUserListQuerySchema>;

export const adminUserListResponseSchema = z.object({
  /** Ordered by email. */
  items: z.array(adminUserSchema),
  /** Null on the last page. */
  nextCursor: z.string().nullable(),
});

export const adminUserParamsSchema = z.object({ userId: z.uuid() });

/** Deactivating ends every session of the user; a role change applies on their next request. */
export const adminUpdateUserBodySchema = z
  .strictObject({
    role: profileRoleSchema.optional(),
    isActive: z.boolean().optional(),
  })
  .refine((body) => body.role !== undefined || body.isActive !== undefined, 'give role or isActive');

// ---------------------------------------------------------------- the route list

interface RouteContract {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** none: public; user: signed in (cookie or Bearer); admin: signed-in admin. */
  auth: 'none' | 'user' | 'admin';
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  /** Success status → schema. */
  response: Record<number, z.ZodType>;
  summary: string;
}

/** Every accounts route. Paths are absolute; `:name` marks a path parameter. */
export const AUTH_ROUTES = {
  signUp: {
    method: 'POST',
    path: '/api/auth/sign-up',
    auth: 'none',
    body: signUpBodySchema,
    response: { 202: acceptedResponseSchema },
    summary:
      'Create an account and email a confirmation link. Same answer whether or not the address already has an account.',
  },
  confirmEmail: {
    method: 'POST',
    path: '/api/auth/confirm',
    auth: 'none',
    body: confirmEmailBodySchema,
    response: { 200: confirmEmailResponseSchema },
    summary: 'Confirm an address with the token from the link (single use, expires).',
  },
  resendConfirmation: {
    method: 'POST',
    path: '/api/auth/resend-confirmation',
    auth: 'user',
    response: { 202: acceptedResponseSchema },
    summary: 'Send the confirmation link again to the signed-in, unconfirmed user.',
  },
  signIn: {
    method: 'POST',
    path: '/api/auth/sign-in',
    auth: 'none',
    body: signInBodySchema,
    response: { 200: sessionResponseSchema },
    summary: 'Sign in: cookies (web) or tokens in the body (tokenDelivery: "body").',
  },
  refresh: {
    method: 'POST',
    path: '/api/auth/refresh',
    auth: 'none',
    body: refreshBodySchema,
    response: { 200: sessionResponseSchema },
    summary: 'Trade the refresh token (cookie or body) for a new access + refresh token.',
  },
  session: {
    method: 'GET',
    path: '/api/auth/session',
    auth: 'user',
    response: { 200: z.object({ user: authUserSchema }) },
    summary: 'Who is signed in.',
  },
  signOut: {
    method: 'POST',
    path: '/api/auth/sign-out',
    auth: 'none',
    body: signOutBodySchema,
    response: { 200: okResponseSchema },
    summary: 'End this session and clear the cookies (always succeeds).',
  },
  signOutEverywhere: {
    method: 'POST',
    path: '/api/auth/sign-out-everywhere',
    auth: 'user',
    response: { 200: okResponseSchema },
    summary: 'End every session of the signed-in user, this one included.',
  },
  passwordResetRequest: {
    method: 'POST',
    path: '/api/auth/password-reset/request',
    auth: 'none',
    body: passwordResetRequestBodySchema,
    response: { 202: acceptedResponseSchema },
    summary: 'Email a reset link. Same answer whether or not the address has an account.',
  },
  passwordResetComplete: {
    method: 'POST',
    path: '/api/auth/password-reset/complete',
    auth: 'none',
    body: passwordResetCompleteBodySchema,
    response: { 200: okResponseSchema },
    summary: 'Set a new password with the token from the reset link; ends every session.',
  },
  emailChangeConfirm: {
    method: 'POST',
    path: '/api/auth/email-change/confirm',
    auth: 'none',
    body: emailChangeConfirmBodySchema,
    response: { 200: emailChangeConfirmResponseSchema },
    summary: 'Apply an email change with the token sent to the new address.',
  },
  timezones: {
    method: 'GET',
    path: '/api/auth/timezones',
    auth: 'none',
    response: { 200: timezonesResponseSchema },
    summary: 'IANA time-zone names the server accepts (for the pickers).',
  },
  getMyProfile: {
    method: 'GET',
    path: '/api/me/profile',
    auth: 'user',
    response: { 200: myProfileSchema },
    summary: 'The caller’s profile.',
  },
  updateMyProfile: {
    method: 'PATCH',
    path: '/api/me/profile',
    auth: 'user',
    body: updateMyProfileBodySchema,
    response: { 200: myProfileSchema },
    summary: 'Change self-service profile fields.',
  },
  changePassword: {
    method: 'POST',
    path: '/api/me/password',
    auth: 'user',
    body: changePasswordBodySchema,
    response: { 200: okResponseSchema },
    summary: 'Change the password (needs the current one); ends every other session.',
  },
  changeEmail: {
    method: 'POST',
    path: '/api/me/email',
    auth: 'user',
    body: changeEmailBodySchema,
    response: { 202: acceptedResponseSchema },
    summary: 'Ask to change the address: a link goes to the new one, a notice to the old one.',
  },
  deleteAccount: {
    method: 'POST',
    path: '/api/me/delete',
    auth: 'user',
    body: deleteAccountBodySchema,
    response: { 200: okResponseSchema },
    summary: 'Erase the account (needs the password). Payment records stay, anonymised.',
  },
  listMySessions: {
    method: 'GET',
    path: '/api/me/sessions',
    auth: 'user',
    response: { 200: sessionListResponseSchema },
    summary: 'The caller’s active sessions (device, IP, times), the current one marked.',
  },
  revokeMySession: {
    method: 'DELETE',
    path: '/api/me/sessions/:sessionId',
    auth: 'user',
    params: sessionIdParamsSchema,
    response: { 200: okResponseSchema },
    summary: 'End one of the caller’s sessions.',
  },
  adminListUsers: {
    method: 'GET',
    path: '/api/admin/users',
    auth: 'admin',
    query: adminUserListQuerySchema,
    response: { 200: adminUserListResponseSchema },
    summary: 'Search users by email or name, filter by role; keyset pages ordered by email.',
  },
  adminUpdateUser: {
    method: 'PATCH',
    path: '/api/admin/users/:userId',
    auth: 'admin',
    params: adminUserParamsSchema,
    body: adminUpdateUserBodySchema,
    response: { 200: adminUserSchema },
    summary: 'Change a role or (de)activate an account; deactivation ends its sessions.',
  },
} as const satisfies Record<string, RouteContract>;
export type AuthRouteName = keyof typeof AUTH_ROUTES;
