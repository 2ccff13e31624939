import { z } from 'zod';

/**
 * Uploaded course files, shared by the server (server/modules/files) and the web
 * (web/src/components/FileUpload.tsx). A lesson or course refers to an uploaded file by its URL,
 * `/api/files/<id>`, which answers with a short-lived signed redirect to the bytes.
 */

/**
 * What a file is for. Public purposes (the course's thumbnail and landing-page preview video) are
 * readable by whoever may read the course; lesson materials only through a lesson that uses them
 * (see db/migrations/0015_files.sql for the exact rule).
 */
export const FILE_PURPOSES = [
  'course_thumbnail',
  'course_preview_video',
  'lesson_video',
  'lesson_resource',
] as const;
export const filePurposeSchema = z.enum(FILE_PURPOSES);
export type FilePurpose = z.infer<typeof filePurposeSchema>;

/** The size class of a purpose: its byte limit is configured per class (UPLOAD_MAX_*_BYTES). */
export const PURPOSE_SIZE_CLASS: Record<FilePurpose, 'image' | 'video' | 'resource'> = {
  course_thumbnail: 'image',
  course_preview_video: 'video',
  lesson_video: 'video',
  lesson_resource: 'resource',
};

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
const VIDEO_TYPES = ['video/mp4', 'video/webm'] as const;
const AUDIO_TYPES = ['audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/wav', 'audio/flac'] as const;
/** Text has no magic bytes: accepted only as valid UTF-8 without NUL bytes, named with its extension. */
export const TEXT_TYPES = ['text/plain', 'text/markdown', 'text/csv'] as const;

/** The content types (as detected from the bytes, never from the name) each purpose accepts. */
export const ALLOWED_TYPES: Record<FilePurpose, readonly string[]> = {
  course_thumbnail: IMAGE_TYPES,
  course_preview_video: VIDEO_TYPES,
  lesson_video: VIDEO_TYPES,
  lesson_resource: ['application/pdf', 'application/zip', ...IMAGE_TYPES, ...AUDIO_TYPES, ...TEXT_TYPES],
};

/** File name extensions that may carry each content type; the first one is added to names without one. */
export const EXTENSIONS: Record<string, readonly string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/webp': ['webp'],
  'image/gif': ['gif'],
  'video/mp4': ['mp4', 'm4v'],
  'video/webm': ['webm'],
  'audio/mpeg': ['mp3'],
  'audio/mp4': ['m4a'],
  'audio/ogg': ['ogg', 'oga', 'opus'],
  'audio/wav': ['wav'],
  'audio/flac': ['flac'],
  'application/pdf': ['pdf'],
  'application/zip': ['zip'],
  'text/plain': ['txt', 'text'],
  'text/markdown': ['md', 'markdown'],
  'text/csv': ['csv'],
};

/** The `accept` attribute of a file input for a purpose (a hint for the picker; the server decides). */
export function acceptFor(purpose: FilePurpose): string {
  return ALLOWED_TYPES[purpose]
    .flatMap((type) => [type, ...(EXTENSIONS[type] ?? []).map((e) => `.${e}`)])
    .join(',');
}

/** The URL lessons and courses store to refer to an uploaded file. */
export const fileUrl = (id: string) => `/api/files/${id}`;

/** An uploaded file as its course's managers see it (the upload's reply and the list's items). */
export const courseFileSchema = z
  .object({
    id: z.uuid(),
    /** `/api/files/<id>`: store this in lessons (video_url, downloadable_resources[].url) or the course. */
    url: z.string(),
    /** The uploader's file name, sanitised: no path, no control characters, at most 200 characters. */
    name: z.string(),
    sizeBytes: z.number().int().nonnegative(),
    /** Detected from the content. */
    contentType: z.string(),
    purpose: filePurposeSchema,
    lessonId: z.uuid().nullable(),
    createdAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'CourseFile' });
export type CourseFile = z.infer<typeof courseFileSchema>;

export const courseFileListSchema = z.object({ items: z.array(courseFileSchema) });
export type CourseFileList = z.infer<typeof courseFileListSchema>;
