import type {
  AuthoredLessonType,
  AuthoringLesson,
  CreateLessonInput,
  DownloadableResource,
  UpdateLessonInput,
} from '../../../../contracts/authoring.ts';

/**
 * The lesson form: its state (text as typed), the bodies it sends, and the server's field errors
 * mapped back onto its inputs. Pure, tested without a browser.
 */

/** Every lesson type's name; only the authored ones are editable here, the others have their own issues. */
export const LESSON_TYPE_LABELS: Record<string, string> = {
  video: 'Video',
  article: 'Article',
  resources: 'Resources',
  quiz: 'Quiz',
  assignment: 'Assignment',
  scorm: 'Interactive (SCORM)',
  code: 'Code challenge',
};

export const AUTHORED_TYPES: AuthoredLessonType[] = ['video', 'article', 'resources'];

export function isAuthoredType(type: string): type is AuthoredLessonType {
  return (AUTHORED_TYPES as string[]).includes(type);
}

export interface ResourceRow {
  name: string;
  url: string;
  /** Bytes, as typed. */
  size: string;
  type: string;
}

export interface LessonFormState {
  title: string;
  description: string;
  contentType: string;
  isPreview: boolean;
  videoUrl: string;
  /** Duration as typed, in two boxes. */
  minutes: string;
  seconds: string;
  articleContent: string;
  resources: ResourceRow[];
}

export function emptyLessonForm(contentType: AuthoredLessonType = 'article'): LessonFormState {
  return {
    title: '',
    description: '',
    contentType,
    isPreview: false,
    videoUrl: '',
    minutes: '',
    seconds: '',
    articleContent: '',
    resources: [],
  };
}

export function toLessonForm(lesson: AuthoringLesson): LessonFormState {
  const duration = lesson.videoDurationSeconds;
  return {
    title: lesson.title,
    description: lesson.description ?? '',
    contentType: lesson.contentType,
    isPreview: lesson.isPreview,
    videoUrl: lesson.videoUrl ?? '',
    minutes: duration === null ? '' : String(Math.floor(duration / 60)),
    seconds: duration === null ? '' : String(duration % 60),
    articleContent: lesson.articleContent ?? '',
    resources: lesson.downloadableResources.map((r) => ({
      name: r.name,
      url: r.url,
      size: r.size === undefined ? '' : String(r.size),
      type: r.type ?? '',
    })),
  };
}

/** Minutes and seconds boxes → seconds; both empty → null; anything not a whole number → NaN. */
export function durationOf(minutes: string, seconds: string): number | null {
  if (minutes.trim() === '' && seconds.trim() === '') return null;
  const whole = (text: string) =>
    text.trim() === '' ? 0 : /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  return whole(minutes) * 60 + whole(seconds);
}

function toResources(rows: ResourceRow[]): DownloadableResource[] {
  return rows
    .filter((row) => row.name.trim() || row.url.trim())
    .map((row) => {
      const resource: DownloadableResource = { name: row.name.trim(), url: row.url.trim() };
      const size = row.size.trim();
      if (size !== '') resource.size = /^\d+$/.test(size) ? Number(size) : Number.NaN;
      if (row.type.trim() !== '') resource.type = row.type.trim();
      return resource;
    });
}

const orNull = (text: string) => (text.trim() === '' ? null : text.trim());

/** The body that creates the lesson (also the shape an edit must be valid as). */
export function toCreateLessonBody(form: LessonFormState): CreateLessonInput {
  const base = {
    title: form.title.trim(),
    description: orNull(form.description),
    isPreview: form.isPreview,
    downloadableResources: toResources(form.resources),
  };
  const duration = durationOf(form.minutes, form.seconds);
  switch (form.contentType) {
    case 'quiz':
      // A quiz lesson has no content here: its quiz is authored in the quiz editor.
      return {
        title: base.title,
        description: base.description,
        isPreview: base.isPreview,
        contentType: 'quiz',
      };
    case 'video':
      return {
        ...base,
        contentType: 'video',
        videoUrl: form.videoUrl.trim(),
        // The schema says what is missing (a number is required for a video).
        videoDurationSeconds: duration ?? Number.NaN,
        articleContent: orNull(form.articleContent),
      };
    case 'resources':
      return {
        ...base,
        contentType: 'resources',
        articleContent: orNull(form.articleContent),
        videoDurationSeconds: duration,
      };
    default:
      return {
        ...base,
        contentType: 'article',
        articleContent: form.articleContent,
        videoDurationSeconds: duration,
      };
  }
}

/** The edit: every field the lesson's type has (content fields replace, since the type may change). */
export function toUpdateLessonBody(form: LessonFormState): UpdateLessonInput {
  const body = toCreateLessonBody(form) as UpdateLessonInput & { videoUrl?: string | null };
  if (form.contentType !== 'video') body.videoUrl = null;
  return body;
}

/** Only the fields every lesson has: for types authored elsewhere (quiz, code…). */
export function toCommonLessonBody(form: LessonFormState): UpdateLessonInput {
  return { title: form.title.trim(), description: orNull(form.description), isPreview: form.isPreview };
}

/** `videoDurationSeconds` shows on the duration boxes; `downloadableResources.2.url` on that row. */
export function mapLessonErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    let key = path;
    if (path === 'videoDurationSeconds') key = 'duration';
    else if (path.startsWith('downloadableResources'))
      key = path.replace(/^downloadableResources/, 'resources');
    out[key] ??= message;
    if (key.startsWith('resources.')) out.resources ??= 'A file needs a change (see below).';
  }
  return out;
}

/** 1536 → "1.5 KB"; for the hint beside a size typed in bytes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}
