import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { courseListQuerySchema, courseListSchema } from '../../../contracts/catalog.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import { listCourses } from './catalog.service.ts';

/** The public catalogue: search, filters, sorts, keyset pages. Registered under /api. */
export const catalogRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/courses',
    {
      schema: {
        tags: ['catalog'],
        summary:
          'Search and browse published courses: filters, sorts and keyset pagination (pass nextCursor back as cursor)',
        querystring: courseListQuerySchema,
        response: { 200: courseListSchema, 400: errorBodySchema },
      },
    },
    (request) => listCourses(request, request.query),
  );
};
