import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { courseListQuerySchema, courseListSchema } from '../../../contracts/catalog.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import { listCourses } from './catalog.service.ts';

/**
 * The page leaves through fast-json-stringify, compiled from the JSON Schema of its zod schema: the
 * type provider's serializer would parse the whole page with zod again before JSON.stringify,
 * ~40 µs of a ~800 µs request against ~16 (bench/experiments/browse-cost.ts). The service builds
 * the page from typed rows; the schema still drops any field it does not name. Errors keep zod's.
 */
function pageSerializer(route: Parameters<FastifySerializerCompiler<unknown>>[0]): (data: unknown) => string {
  if (route.httpStatus !== '200')
    return serializerCompiler(route as Parameters<typeof serializerCompiler>[0]);
  const schema = z.toJSONSchema(route.schema as z.ZodType, { io: 'output', unrepresentable: 'any' });
  return fastJson(schema as Parameters<typeof fastJson>[0]);
}

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
      serializerCompiler: pageSerializer,
    },
    (request) => listCourses(request, request.query),
  );
};
