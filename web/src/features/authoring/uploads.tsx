import type { ReactNode } from 'react';

/**
 * The one integration point between authoring and file uploads (feat/files builds
 * web/src/components/FileUpload.tsx). Every place an author may upload a file (thumbnail, preview
 * video, lesson video, resources) renders `renderUpload(...)`; until the component is merged it
 * renders nothing and those fields take a typed URL, which works with any hosted file.
 *
 * At merge: import FileUpload and return
 *   <FileUpload courseId={courseId} purpose={purpose} accept={accept} onUploaded={onUploaded} />
 */
export interface UploadedFile {
  id: string;
  /** `/api/files/<id>` */
  url: string;
  name: string;
  sizeBytes: number;
  contentType: string;
}

export type UploadPurpose = 'thumbnail' | 'video' | 'resource';

export interface UploadSlotProps {
  courseId: string;
  purpose: UploadPurpose;
  accept?: string;
  onUploaded: (file: UploadedFile) => void;
}

export function renderUpload(_props: UploadSlotProps): ReactNode {
  return null;
}
