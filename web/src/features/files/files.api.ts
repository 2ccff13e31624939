import { AUTH_COOKIES, CSRF_HEADER } from '../../../../contracts/auth.ts';
import { ERROR_STATUS, type ErrorCode } from '../../../../contracts/errors.ts';
import { courseFileSchema, type CourseFile, type FilePurpose } from '../../../../contracts/files.ts';
import { ApiError, readCookie, recoverSession, type ApiErrorCode } from '../../lib/api.ts';

export interface UploadOptions {
  purpose: FilePurpose;
  /** The lesson the file is for, when known (lets the server tie its access to that lesson). */
  lessonId?: string;
  /** Called as bytes leave the browser: a fraction from 0 to 1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/**
 * Uploads a file to a course (POST /api/courses/:courseId/files). XMLHttpRequest rather than fetch,
 * because only it reports upload progress; it sends the session cookie and the CSRF header as
 * lib/api.ts does, and like it refreshes an expired session once and sends again (an author's
 * access token can expire while they write a lesson). Fails with an ApiError whose code the UI
 * switches on (file_too_large, file_type_not_allowed, …).
 */
export async function uploadCourseFile(
  courseId: string,
  file: File,
  options: UploadOptions,
): Promise<CourseFile> {
  try {
    return await sendUpload(courseId, file, options);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'unauthorized')) throw error;
    if (!(await recoverSession())) throw error;
    options.onProgress?.(0);
    return sendUpload(courseId, file, options);
  }
}

function sendUpload(courseId: string, file: File, options: UploadOptions): Promise<CourseFile> {
  // Fields before the file: the server needs the purpose to know the size limit while streaming.
  const form = new FormData();
  form.append('purpose', options.purpose);
  if (options.lessonId) form.append('lessonId', options.lessonId);
  form.append('file', file, file.name);

  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/courses/${encodeURIComponent(courseId)}/files`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    const csrf = readCookie(AUTH_COOKIES.csrf);
    if (csrf) xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError('network_error', 'Cannot reach the server.', 0));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status === 201) {
        const parsed = courseFileSchema.safeParse(body);
        if (parsed.success) resolve(parsed.data);
        else reject(new ApiError('invalid_response', 'The server sent an unexpected reply.', xhr.status));
        return;
      }
      reject(toUploadError(xhr, body));
    };
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

function toUploadError(xhr: XMLHttpRequest, body: unknown): ApiError {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(
      error.code as ApiErrorCode,
      error.message,
      xhr.status,
      typeof error.requestId === 'string' ? error.requestId : undefined,
      error.details,
    );
  }
  const code =
    (Object.entries(ERROR_STATUS).find(([, status]) => status === xhr.status)?.[0] as ErrorCode) ??
    'internal_error';
  return new ApiError(code, `The server answered ${xhr.status}.`, xhr.status);
}
