import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  AUTH_COOKIES,
  AUTH_ROUTES,
  CSRF_HEADER,
  REFRESH_TOKEN_TTL_SECONDS,
  type SessionResponse,
} from '../../../contracts/auth.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import { clearSessionCookies, readCookie, setSessionCookies } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import * as accounts from './accounts.service.ts';
import type { AccountsDeps, ClientInfo, IssuedSession } from './accounts.service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** What the accounts system paths need (database as the system, mailer, hasher, clock). */
    accounts: AccountsDeps;
  }
}

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  429: errorBodySchema,
};
const signedIn = [{ bearerAuth: [] }];
/** Paths in contracts/auth.ts are absolute; this plugin is registered under /api. */
const local = (path: string) => path.replace(/^\/api/, '');

const client = (request: FastifyRequest): ClientInfo => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'] ?? null,
});
const csrfHeader = (request: FastifyRequest) => {
  const value = request.headers[CSRF_HEADER];
  return typeof value === 'string' ? value : undefined;
};

/** The web runs on PUBLIC_URL: cookies are Secure when that is https. */
const isSecure = (request: FastifyRequest) => request.server.config.publicUrl.startsWith('https:');

function sessionReply(
  request: FastifyRequest,
  reply: FastifyReply,
  issued: IssuedSession,
  delivery: 'cookie' | 'body',
): SessionResponse {
  const body: SessionResponse = {
    user: issued.user,
    session: {
      id: issued.sessionId,
      accessTokenExpiresAt: issued.accessTokenExpiresAt.toISOString(),
      refreshTokenExpiresAt: issued.refreshTokenExpiresAt.toISOString(),
    },
  };
  if (delivery === 'body') {
    // Body delivery always rotates (the grace answer without a refresh token is for cookies only).
    if (!issued.refreshToken) throw new AppError('internal_error');
    return {
      ...body,
      tokens: {
        tokenType: 'bearer',
        accessToken: issued.accessToken,
        expiresIn: ACCESS_TOKEN_TTL_SECONDS,
        refreshToken: issued.refreshToken,
      },
    };
  }
  setSessionCookies(
    reply,
    {
      accessToken: issued.accessToken,
      accessTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: issued.refreshToken,
      refreshTtlSeconds: REFRESH_TOKEN_TTL_SECONDS,
      csrfToken: issued.csrfToken,
    },
    isSecure(request),
  );
  return body;
}

/**
 * Accounts: /api/auth (sign-up, sign-in, refresh, sign-out, links from emails), /api/me (profile,
 * password, address, sessions, erasure) and /api/admin/users. HTTP only: every rule is in
 * accounts.service.ts. Registered under /api.
 */
export const accountsRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps = () => app.accounts;
  const R = AUTH_ROUTES;
  // Sessions, tokens and personal data: no cache may keep a copy.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  // ---------------------------------------------------------------- /api/auth

  app.post(
    local(R.signUp.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.signUp.summary,
        security: [],
        body: R.signUp.body,
        response: { ...R.signUp.response, ...errors },
      },
    },
    async (request, reply) => {
      const message = await accounts.signUp(deps(), client(request), request.body);
      return reply.code(202).send({ message });
    },
  );

  app.post(
    local(R.confirmEmail.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.confirmEmail.summary,
        security: [],
        body: R.confirmEmail.body,
        response: { ...R.confirmEmail.response, ...errors },
      },
    },
    async (request) => {
      await accounts.confirmEmail(deps(), client(request), request.body.token);
      return { emailConfirmed: true as const };
    },
  );

  app.post(
    local(R.resendConfirmation.path),
    {
      schema: {
        tags: ['auth'],
        summary: R.resendConfirmation.summary,
        security: signedIn,
        response: { ...R.resendConfirmation.response, ...errors },
      },
    },
    async (request, reply) => {
      const message = await accounts.resendConfirmation(deps(), request, client(request));
      return reply.code(202).send({ message });
    },
  );

  app.post(
    local(R.signIn.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.signIn.summary,
        security: [],
        body: R.signIn.body,
        response: { ...R.signIn.response, ...errors },
      },
    },
    async (request, reply) => {
      const { email, password, tokenDelivery } = request.body;
      const issued = await accounts.signIn(deps(), client(request), { email, password });
      return sessionReply(request, reply, issued, tokenDelivery);
    },
  );

  app.post(
    local(R.refresh.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.refresh.summary,
        security: [],
        body: R.refresh.body.nullish(),
        response: { ...R.refresh.response, ...errors },
      },
    },
    async (request, reply) => {
      const fromBody = request.body?.refreshToken;
      const fromCookie = readCookie(request, AUTH_COOKIES.refresh);
      const refreshToken = fromBody ?? fromCookie;
      if (!refreshToken) throw new AppError('unauthorized', 'No refresh token; sign in again.');
      const via = fromBody ? 'body' : 'cookie';
      try {
        const issued = await accounts.refreshSession(deps(), client(request), {
          refreshToken,
          via,
          csrfHeader: csrfHeader(request),
        });
        return sessionReply(request, reply, issued, via);
      } catch (error) {
        // A dead refresh cookie is useless to the browser: drop the session cookies with the 401.
        if (via === 'cookie' && error instanceof AppError && error.code === 'unauthorized') {
          clearSessionCookies(reply, isSecure(request));
        }
        throw error;
      }
    },
  );

  app.get(
    local(R.session.path),
    {
      schema: {
        tags: ['auth'],
        summary: R.session.summary,
        security: signedIn,
        response: { ...R.session.response, ...errors },
      },
    },
    async (request) => ({ user: await accounts.getSessionUser(deps(), request) }),
  );

  app.post(
    local(R.signOut.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.signOut.summary,
        security: [],
        body: R.signOut.body.nullish(),
        response: { ...R.signOut.response, ...errors },
      },
    },
    async (request, reply) => {
      const fromBody = request.body?.refreshToken;
      const fromCookie = readCookie(request, AUTH_COOKIES.refresh);
      await accounts.signOut(deps(), request, client(request), {
        refreshToken: fromBody ?? fromCookie,
        via: fromBody ? 'body' : fromCookie ? 'cookie' : 'body',
        csrfHeader: csrfHeader(request),
      });
      clearSessionCookies(reply, isSecure(request));
      return { ok: true as const };
    },
  );

  app.post(
    local(R.signOutEverywhere.path),
    {
      schema: {
        tags: ['auth'],
        summary: R.signOutEverywhere.summary,
        security: signedIn,
        response: { ...R.signOutEverywhere.response, ...errors },
      },
    },
    async (request, reply) => {
      await accounts.signOutEverywhere(deps(), request, client(request));
      clearSessionCookies(reply, isSecure(request));
      return { ok: true as const };
    },
  );

  app.post(
    local(R.passwordResetRequest.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.passwordResetRequest.summary,
        security: [],
        body: R.passwordResetRequest.body,
        response: { ...R.passwordResetRequest.response, ...errors },
      },
    },
    async (request, reply) => {
      const message = await accounts.requestPasswordReset(deps(), client(request), request.body.email);
      return reply.code(202).send({ message });
    },
  );

  app.post(
    local(R.passwordResetComplete.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.passwordResetComplete.summary,
        security: [],
        body: R.passwordResetComplete.body,
        response: { ...R.passwordResetComplete.response, ...errors },
      },
    },
    async (request, reply) => {
      await accounts.completePasswordReset(deps(), client(request), request.body);
      clearSessionCookies(reply, isSecure(request));
      return { ok: true as const };
    },
  );

  app.post(
    local(R.emailChangeConfirm.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.emailChangeConfirm.summary,
        security: [],
        body: R.emailChangeConfirm.body,
        response: { ...R.emailChangeConfirm.response, ...errors },
      },
    },
    async (request) => ({
      email: await accounts.confirmEmailChange(deps(), client(request), request.body.token),
    }),
  );

  app.get(
    local(R.timezones.path),
    {
      config: { sessionEntry: true },
      schema: {
        tags: ['auth'],
        summary: R.timezones.summary,
        security: [],
        response: { ...R.timezones.response, ...errors },
      },
    },
    async () => ({ timezones: await accounts.listTimezones(deps()) }),
  );

  // ---------------------------------------------------------------- /api/me

  app.get(
    local(R.getMyProfile.path),
    {
      schema: {
        tags: ['me'],
        summary: R.getMyProfile.summary,
        security: signedIn,
        response: { ...R.getMyProfile.response, ...errors },
      },
    },
    (request) => accounts.getMyProfile(deps(), request),
  );

  app.patch(
    local(R.updateMyProfile.path),
    {
      schema: {
        tags: ['me'],
        summary: R.updateMyProfile.summary,
        security: signedIn,
        body: R.updateMyProfile.body,
        response: { ...R.updateMyProfile.response, ...errors },
      },
    },
    (request) => accounts.updateMyProfile(deps(), request, request.body),
  );

  app.post(
    local(R.changePassword.path),
    {
      schema: {
        tags: ['me'],
        summary: R.changePassword.summary,
        security: signedIn,
        body: R.changePassword.body,
        response: { ...R.changePassword.response, ...errors },
      },
    },
    async (request) => {
      await accounts.changePassword(deps(), request, client(request), request.body);
      return { ok: true as const };
    },
  );

  app.post(
    local(R.changeEmail.path),
    {
      schema: {
        tags: ['me'],
        summary: R.changeEmail.summary,
        security: signedIn,
        body: R.changeEmail.body,
        response: { ...R.changeEmail.response, ...errors },
      },
    },
    async (request, reply) => {
      const message = await accounts.requestEmailChange(deps(), request, client(request), request.body);
      return reply.code(202).send({ message });
    },
  );

  app.post(
    local(R.deleteAccount.path),
    {
      schema: {
        tags: ['me'],
        summary: R.deleteAccount.summary,
        security: signedIn,
        body: R.deleteAccount.body,
        response: { ...R.deleteAccount.response, ...errors },
      },
    },
    async (request, reply) => {
      await accounts.deleteMyAccount(deps(), request, client(request), request.body.password);
      clearSessionCookies(reply, isSecure(request));
      return { ok: true as const };
    },
  );

  app.get(
    local(R.listMySessions.path),
    {
      schema: {
        tags: ['me'],
        summary: R.listMySessions.summary,
        security: signedIn,
        response: { ...R.listMySessions.response, ...errors },
      },
    },
    async (request) => ({ sessions: await accounts.listMySessions(request) }),
  );

  app.delete(
    local(R.revokeMySession.path),
    {
      schema: {
        tags: ['me'],
        summary: R.revokeMySession.summary,
        security: signedIn,
        params: R.revokeMySession.params,
        response: { ...R.revokeMySession.response, ...errors },
      },
    },
    async (request) => {
      await accounts.revokeMySession(deps(), request, client(request), request.params.sessionId);
      return { ok: true as const };
    },
  );

  // ---------------------------------------------------------------- /api/admin/users

  app.get(
    local(R.adminListUsers.path),
    {
      schema: {
        tags: ['admin'],
        summary: R.adminListUsers.summary,
        security: signedIn,
        querystring: R.adminListUsers.query,
        response: { ...R.adminListUsers.response, ...errors },
      },
    },
    (request) => accounts.listUsers(request, request.query),
  );

  app.patch(
    local(R.adminUpdateUser.path),
    {
      schema: {
        tags: ['admin'],
        summary: R.adminUpdateUser.summary,
        security: signedIn,
        params: R.adminUpdateUser.params,
        body: R.adminUpdateUser.body,
        response: { ...R.adminUpdateUser.response, ...errors },
      },
    },
    (request) => accounts.updateUser(deps(), request, client(request), request.params.userId, request.body),
  );
};
