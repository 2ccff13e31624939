import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  courseFileListSchema,
  courseFileSchema,
  filePurposeSchema,
  type FilePurpose,
} from '../../../contracts/files.ts';
import { AppError } from '../../platform/errors.ts';
import type { LocalStorage } from '../../platform/storage/local.ts';
import { serveLocalContent } from './files.content.ts';
import {
  assertCanManageFiles,
  deleteFile,
  listFiles,
  signedFileUrl,
  uploadFile,
  type FilesDeps,
} from './files.service.ts';

const tags = ['files'];
const signedIn = [{ bearerAuth: [] }];
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
/** Room for multipart boundaries, part headers and the small fields around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;
const courseParams = z.object({ courseId: z.uuid() });
const fileParams = z.object({ id: z.uuid() });

/** The path the local driver's signed URLs point at (the content route below). */
export const fileContentPath = (key: string) => `/api/${key}/content`;

/**
 * Course file uploads (managers), the signed redirect to a file's bytes (whoever may read it),
 * and, with the local driver, the signed content route itself. Registered under /api.
 */
export const filesRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps: FilesDeps = { storage: app.storage, uploads: app.config.uploads };
  const largest = Math.max(...Object.values(app.config.uploads.maxBytes));
  // Multipart only in this plugin. Our own counter enforces the purpose's limit; busboy's is a backstop.
  await app.register(fastifyMultipart, {
    limits: { files: 1, fields: 4, fieldSize: 200, parts: 6, fileSize: largest + 1, headerPairs: 100 },
  });

  app.post(
    '/courses/:courseId/files',
    {
      schema: {
        tags,
        summary:
          'Upload a file to a course (its managers): multipart fields `purpose`, `lessonId`, then `file`',
        description:
          'Fields must precede the file part. `purpose` is one of course_thumbnail, course_preview_video, ' +
          'lesson_video, lesson_resource (default lesson_resource). The type is detected from the content: ' +
          "413 file_too_large over the purpose's limit, 415 file_type_not_allowed when the content is not " +
          'an accepted type (whatever the name says).',
        security: signedIn,
        consumes: ['multipart/form-data'],
        params: courseParams,
        response: { 201: courseFileSchema, ...errors, 413: errorBodySchema, 415: errorBodySchema },
      },
    },
    async (request, reply) => {
      // A refused upload may still be arriving: the connection closes after the answer instead of
      // reading (up to gigabytes of) the rest. Uploads are rare enough to close after success too.
      reply.header('connection', 'close');
      const { courseId } = request.params;
      const declared = Number(request.headers['content-length']);
      if (declared > largest + MULTIPART_OVERHEAD) {
        throw new AppError('file_too_large', 'The file is larger than any upload accepts.', {
          limitBytes: largest,
        });
      }
      await assertCanManageFiles(request, courseId);
      let purpose: FilePurpose = 'lesson_resource';
      let lessonId: string | null = null;
      let stored;
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (stored) throw new AppError('bad_request', 'Send the fields before the file part.');
          const value = String(part.value);
          if (part.fieldname === 'purpose') {
            const parsed = filePurposeSchema.safeParse(value);
            if (!parsed.success) {
              throw new AppError(
                'validation_failed',
                `purpose must be one of ${filePurposeSchema.options.join(', ')}.`,
              );
            }
            purpose = parsed.data;
          } else if (part.fieldname === 'lessonId') {
            const parsed = z.uuid().safeParse(value);
            if (!parsed.success)
              throw new AppError('validation_failed', 'lessonId must be a lesson id (UUID).');
            lessonId = parsed.data;
          } else {
            throw new AppError('validation_failed', `${part.fieldname} is not an allowed field.`);
          }
        } else if (part.fieldname !== 'file' || stored) {
          throw new AppError('validation_failed', 'Send exactly one file, in the field named "file".');
        } else {
          stored = await uploadFile(request, deps, {
            courseId,
            purpose,
            lessonId,
            clientName: part.filename,
            stream: part.file,
          });
        }
      }
      if (!stored) throw new AppError('validation_failed', 'The upload has no file (field "file").');
      return reply.code(201).send(stored);
    },
  );

  app.get(
    '/courses/:courseId/files',
    {
      schema: {
        tags,
        summary: "A course's files, newest first (its managers)",
        security: signedIn,
        params: courseParams,
        response: { 200: courseFileListSchema, ...errors },
      },
    },
    (request) => listFiles(request, request.params.courseId),
  );

  app.delete(
    '/courses/:courseId/files/:fileId',
    {
      schema: {
        tags,
        summary: 'Move a file to the trash (its course managers)',
        security: signedIn,
        params: z.object({ courseId: z.uuid(), fileId: z.uuid() }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteFile(request, request.params.courseId, request.params.fileId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/files/:id',
    {
      schema: {
        tags,
        summary: "Redirect to a short-lived signed URL of the file's bytes, when the caller may read it",
        description:
          'Thumbnails and preview videos of readable courses: anyone. Lesson videos and resources: as the ' +
          'lesson content (preview lessons of published courses for anyone, others for enrolled learners). ' +
          'Unknown, deleted and unreadable files answer the same 404.',
        params: fileParams,
        response: { 302: z.null(), 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      const url = await signedFileUrl(request, deps, request.params.id);
      return reply.code(302).header('cache-control', 'no-store').header('location', url).send(null);
    },
  );

  app.get(
    '/files/:id/content',
    {
      // The signed URL is the only credential (a <video> or a download carries no header); a stale
      // access cookie riding along must not turn it into a 401.
      config: { sessionEntry: true },
      schema: {
        tags,
        summary:
          "A file's bytes through a signed URL from GET /api/files/:id (local storage only), with Range",
        security: [],
        params: fileParams,
        querystring: z.object({
          expires: z.string().max(20).optional(),
          signature: z.string().max(100).optional(),
        }),
        response: { 400: errorBodySchema, 404: errorBodySchema, 416: errorBodySchema },
      },
    },
    async (request, reply) => {
      if (app.storage.driver !== 'local') throw new AppError('not_found');
      const { expires, signature } = request.query;
      const link = { id: request.params.id, expires, signature, range: request.headers.range };
      return serveLocalContent(link, reply, app.storage as LocalStorage);
    },
  );
};
