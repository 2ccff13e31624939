import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  certificateVerificationSchema,
  myCertificatesSchema,
  publicIdParamsSchema,
  revokeCertificateInputSchema,
  revokedCertificateSchema,
} from '../../../contracts/certificates.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  getCertificatePdf,
  listMyCertificates,
  revokeCertificate,
  verifyCertificate,
} from './certificates.service.ts';

const tags = ['certificates'];
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const signedIn = [{ bearerAuth: [] }];

/** Verification (public), the learner's certificates, the PDF and revocation. Registered under /api. */
export const certificatesRoutes: FastifyPluginAsyncZod = async (app) => {
  const publicUrl = app.config.publicUrl;

  app.get(
    '/certificates/verify/:publicId',
    {
      schema: {
        tags,
        summary:
          "Verify a certificate: the holder's display name, the course, the issue date, whether revoked",
        description: 'Public: no sign-in needed. An unknown ID answers 404 not_found.',
        security: [],
        params: publicIdParamsSchema,
        response: { 200: certificateVerificationSchema, ...errors },
      },
    },
    (request) => verifyCertificate(request, request.params.publicId),
  );

  app.get(
    '/me/certificates',
    {
      schema: {
        tags,
        summary: 'Your certificates, newest first, with links to their PDF and verification page',
        security: signedIn,
        response: { 200: myCertificatesSchema, ...errors },
      },
    },
    (request) => listMyCertificates(request, publicUrl),
  );

  app.get(
    '/certificates/:publicId/pdf',
    {
      schema: {
        tags,
        summary: 'A certificate as a PDF (its holder and admins; 404 for anyone else)',
        security: signedIn,
        params: publicIdParamsSchema,
        produces: ['application/pdf'],
        response: { 200: z.any().meta({ description: 'The PDF' }), ...errors },
      },
    },
    async (request, reply) => {
      const { pdf, publicId } = await getCertificatePdf(request, request.params.publicId, publicUrl);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="certificate-${publicId}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );

  app.post(
    '/admin/certificates/:publicId/revoke',
    {
      schema: {
        tags,
        summary: 'Revoke a certificate (admins). Idempotent: revoking again keeps the first revocation',
        security: signedIn,
        params: publicIdParamsSchema,
        body: revokeCertificateInputSchema.nullish(),
        response: { 200: revokedCertificateSchema, ...errors },
      },
    },
    (request) => revokeCertificate(request, request.params.publicId, request.body?.reason),
  );
};
