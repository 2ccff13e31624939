import type { ReactNode } from 'react';
import type { CourseFile, FilePurpose } from '../../../../contracts/files.ts';
import { FileUpload } from '../../components/FileUpload.tsx';

/**
 * The one place where authoring meets file uploads: every field that may hold an uploaded file
 * (thumbnail, preview video, lesson video, resources) renders `renderUpload(...)` next to its URL
 * input. A typed http(s) URL keeps working; an upload fills the field with `/api/files/<id>`.
 */
export interface UploadSlotProps {
  courseId: string;
  purpose: FilePurpose;
  /** The lesson being edited, once it exists (files of a new lesson are attached to the course). */
  lessonId?: string;
  label?: string;
  onUploaded: (file: CourseFile) => void;
}

export function renderUpload({ courseId, purpose, lessonId, label, onUploaded }: UploadSlotProps): ReactNode {
  return (
    <FileUpload
      courseId={courseId}
      purpose={purpose}
      lessonId={lessonId}
      label={label}
      onUploaded={onUploaded}
    />
  );
}
