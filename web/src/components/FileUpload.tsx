import { useId, useRef, useState, type DragEvent } from 'react';
import { acceptFor, type CourseFile, type FilePurpose } from '../../../contracts/files.ts';
import { uploadCourseFile } from '../features/files/files.api.ts';
import { ApiError, describeError } from '../lib/api.ts';
import { formatBytes } from '../features/files/format-bytes.ts';
import { Button } from './Button.tsx';

export interface FileUploadProps {
  /** The course the file belongs to (the caller must manage it: owner or admin). */
  courseId: string;
  /**
   * What the file is for: `course_thumbnail` (image), `course_preview_video` and `lesson_video`
   * (MP4/WebM), `lesson_resource` (PDF, ZIP, image, audio, text/Markdown/CSV). The server checks
   * the content against it and applies the purpose's size limit.
   */
  purpose: FilePurpose;
  /** The file picker's filter; defaults to what the purpose accepts. A hint only: the server decides. */
  accept?: string;
  /** The lesson the file is for, when there is one already. */
  lessonId?: string;
  /** The visible label. Defaults to a description of the purpose. */
  label?: string;
  disabled?: boolean;
  /**
   * Called with the server's reply once the file is stored. Keep `file.url` (`/api/files/<id>`):
   * it is what lessons (video_url, downloadable_resources[].url) and courses (thumbnail_url,
   * preview_video_url) store.
   */
  onUploaded: (file: CourseFile) => void;
}

const LABELS: Record<FilePurpose, string> = {
  course_thumbnail: 'Course image',
  course_preview_video: 'Preview video',
  lesson_video: 'Lesson video',
  lesson_resource: 'Downloadable resource',
};

/** What to tell the person for each refusal; the server's message adds the specifics. */
function explain(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'file_too_large':
        return `${error.message} Choose a smaller file or compress it.`;
      case 'file_type_not_allowed':
        return error.message;
      case 'unauthorized':
        return 'Your session has ended. Sign in again, then retry the upload.';
      case 'not_found':
        return 'This course was not found, or you cannot add files to it.';
      case 'csrf_failed':
        return 'The page is out of date. Reload it and try again.';
    }
  }
  return describeError(error);
}

/**
 * Upload a file to a course: a button (keyboard and screen-reader friendly) and a drop zone around
 * it, a progress bar while bytes travel, and a clear message when the server refuses the file.
 *
 * ```tsx
 * <FileUpload courseId={course.id} purpose="lesson_video" lessonId={lesson.id}
 *   onUploaded={(file) => setVideoUrl(file.url)} />
 * ```
 */
export function FileUpload({
  courseId,
  purpose,
  accept,
  lessonId,
  label,
  disabled,
  onUploaded,
}: FileUploadProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const abortRef = useRef<AbortController | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const id = useId();
  const uploading = progress !== null;

  async function handleFile(file: File | undefined) {
    if (!file || uploading) return;
    setError(null);
    setDone(null);
    setProgress(0);
    const controller = new AbortController();
    abortRef.current = controller;
    try {
      const stored = await uploadCourseFile(courseId, file, {
        purpose,
        lessonId,
        onProgress: setProgress,
        signal: controller.signal,
      });
      setDone(`${stored.name} uploaded (${formatBytes(stored.sizeBytes)}).`);
      onUploaded(stored);
    } catch (caught) {
      if ((caught as Error).name !== 'AbortError') setError(explain(caught));
    } finally {
      setProgress(null);
      abortRef.current = null;
      if (inputRef.current) inputRef.current.value = '';
    }
  }

  function handleDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    if (!disabled) void handleFile(event.dataTransfer.files[0]);
  }

  const percent = Math.round((progress ?? 0) * 100);
  return (
    <div
      className={['file-upload', dragging ? 'file-upload-dragging' : ''].filter(Boolean).join(' ')}
      onDragOver={(event) => {
        event.preventDefault();
        if (!disabled) setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={handleDrop}
    >
      <p className="file-upload-label" id={`${id}-label`}>
        {label ?? LABELS[purpose]}
      </p>
      <input
        ref={inputRef}
        id={`${id}-input`}
        type="file"
        className="visually-hidden"
        tabIndex={-1}
        accept={accept ?? acceptFor(purpose)}
        disabled={disabled || uploading}
        aria-labelledby={`${id}-label`}
        onChange={(event) => void handleFile(event.target.files?.[0])}
      />
      <div className="file-upload-actions">
        <Button
          variant="secondary"
          disabled={disabled}
          busy={uploading}
          aria-describedby={`${id}-hint`}
          onClick={() => inputRef.current?.click()}
        >
          Choose a file
        </Button>
        {uploading && (
          <Button variant="ghost" onClick={() => abortRef.current?.abort()}>
            Cancel
          </Button>
        )}
      </div>
      <p className="file-upload-hint" id={`${id}-hint`}>
        or drop it here
      </p>
      {uploading && (
        <div
          className="progress"
          role="progressbar"
          aria-labelledby={`${id}-label`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${percent}% uploaded`}
        >
          <span style={{ width: `${percent}%` }} />
        </div>
      )}
      <div aria-live="polite" className="file-upload-status">
        {done}
      </div>
      {error && (
        <p className="file-upload-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
