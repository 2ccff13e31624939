import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  mailboxMessageParamsSchema,
  mailboxMessageSchema,
  mailboxPageSchema,
  mailboxQuerySchema,
} from '../../../contracts/mail.ts';
import { getMailboxMessage, listMailbox } from './mailbox.service.ts';

const tags = ['admin'];
const signedIn = [{ bearerAuth: [] }];
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema };

/**
 * The admin mailbox: every email the product sent (the embedded default delivers only here).
 * Admins only — non-admins get 403 forbidden. Registered under /api.
 */
export const mailboxRoutes: FastifyPluginAsyncZod = async (app) => {
  // Bodies carry confirmation and reset links: no cache may keep a copy.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get(
    '/admin/mailbox',
    {
      schema: {
        tags,
        summary: 'Emails sent, newest first (admins; keyset pagination, optional recipient filter)',
        security: signedIn,
        querystring: mailboxQuerySchema,
        response: { 200: mailboxPageSchema, ...errors },
      },
    },
    (request) => listMailbox(request, request.query),
  );

  app.get(
    '/admin/mailbox/:id',
    {
      schema: {
        tags,
        summary: 'One email with its HTML and plain-text bodies (admins)',
        security: signedIn,
        params: mailboxMessageParamsSchema,
        response: { 200: mailboxMessageSchema, ...errors, 404: errorBodySchema },
      },
    },
    (request) => getMailboxMessage(request, request.params.id),
  );
};
