import { useState, type FormEvent } from 'react';
import {
  isPriceConsistent,
  PRICE_RULE_MESSAGE,
  updateCourseSchema,
  type AuthoringCourse,
} from '../../../../contracts/authoring.ts';
import { courseAccessTypeSchema, difficultyLevelSchema } from '../../../../contracts/courses.ts';
import { Button } from '../../components/Button.tsx';
import { Alert } from '../../components/Feedback.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../../components/Field.tsx';
import { Card } from '../../components/Page.tsx';
import { describeError, isApiError } from '../../lib/api.ts';
import { capitalize } from '../../lib/format.ts';
import { sentence, useFieldErrors, zodFieldErrors } from '../../lib/forms.ts';
import { useUpdateCourse } from './authoring.api.ts';
import {
  CATEGORIES,
  changedFields,
  itemErrors,
  LANGUAGES,
  mapCourseErrors,
  toCourseBody,
  toCourseForm,
  type CourseFormState,
} from './course-form.ts';
import { useEditorCourse } from './CourseEditorLayout.tsx';
import { ListInput } from './ListInput.tsx';
import { MarkdownEditor } from './MarkdownEditor.tsx';
import { UnsavedChangesGuard } from './unsaved.tsx';
import { renderUpload } from './uploads.tsx';

const ACCESS_LABELS: Record<AuthoringCourse['accessType'], string> = {
  free: 'Free for everyone',
  paid: 'Paid (one-time price)',
  subscription: 'Included in the subscription',
};

/** The Details tab: every field of the course an author sets, saved together. */
export function CourseDetailsPage() {
  const course = useEditorCourse();
  // A fresh form when another course is opened; a save updates it from the answer.
  return <CourseDetailsForm key={course.id} course={course} />;
}

function CourseDetailsForm({ course }: { course: AuthoringCourse }) {
  const [form, setForm] = useState<CourseFormState>(() => toCourseForm(course));
  const { errors, show, setErrors } = useFieldErrors();
  const update = useUpdateCourse(course.id);
  const [savedNotice, setSavedNotice] = useState(false);
  const changes = changedFields(form, course);
  const isDirty = Object.keys(changes).length > 0;

  const set = <K extends keyof CourseFormState>(key: K, value: CourseFormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setSavedNotice(false);
  };

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = updateCourseSchema.safeParse(changes);
    const problems = parsed.success ? {} : mapCourseErrors(zodFieldErrors(parsed.error, changes));
    const whole = toCourseBody(form);
    if (!problems.price && !Number.isNaN(whole.priceCents) && !isPriceConsistent(whole)) {
      problems.price = sentence(PRICE_RULE_MESSAGE);
    }
    if (Number.isNaN(whole.priceCents)) problems.price = 'Write the price as an amount, like 19 or 19.99.';
    if (Object.keys(problems).length > 0 || !parsed.success) {
      show(problems);
      return;
    }
    if (!isDirty) return;
    update.mutate(parsed.data, {
      onSuccess: (saved) => {
        setForm(toCourseForm(saved));
        setErrors({});
        setSavedNotice(true);
      },
      onError: (error) => {
        if (isApiError(error, 'validation_failed')) {
          const fields = Object.fromEntries(
            Object.entries(error.fieldErrors).map(([key, message]) => [key, sentence(message)]),
          );
          show(mapCourseErrors(fields));
        } else if (isApiError(error, 'slug_taken')) {
          show({ slug: error.message });
        }
      },
    });
  };

  const serverProblem =
    update.isError &&
    !isApiError(update.error, 'validation_failed') &&
    !isApiError(update.error, 'slug_taken');
  const languages = LANGUAGES.some(([tag]) => tag === form.language)
    ? LANGUAGES
    : [[form.language, form.language] as [string, string], ...LANGUAGES];
  const origin = typeof window === 'undefined' ? '' : window.location.origin;

  return (
    <form onSubmit={handleSubmit} noValidate className="editor-form" aria-label="Course details">
      <UnsavedChangesGuard when={isDirty && !update.isPending} />
      <Card>
        <h2>Basics</h2>
        <div className="stack">
          <TextField
            label="Title"
            name="title"
            maxLength={200}
            value={form.title}
            onChange={(e) => set('title', e.target.value)}
            error={errors.title}
          />
          <TextField
            label="Subtitle"
            name="subtitle"
            maxLength={300}
            value={form.subtitle}
            onChange={(e) => set('subtitle', e.target.value)}
            error={errors.subtitle}
            hint="One line under the title in the catalogue and on the landing page."
          />
          <TextField
            label="Address (slug)"
            name="slug"
            maxLength={120}
            autoCapitalize="none"
            spellCheck={false}
            value={form.slug}
            onChange={(e) => set('slug', e.target.value.toLowerCase())}
            error={errors.slug}
            hint={
              <>
                The landing page lives at{' '}
                <code>
                  {origin}/courses/{form.slug || '…'}
                </code>
                . Lowercase letters, digits and single hyphens.{' '}
                <strong>Changing it breaks existing links</strong>
                {course.status === 'published' ? ' that learners and search engines already use.' : '.'}
              </>
            }
          />
          <MarkdownEditor
            label="Description"
            name="description"
            maxLength={20_000}
            value={form.description}
            onChange={(value) => set('description', value)}
            error={errors.description}
          />
        </div>
      </Card>

      <Card>
        <h2>Pictures and video</h2>
        <div className="stack">
          <div className="stack-tight">
            <TextField
              label="Thumbnail image (URL)"
              name="thumbnailUrl"
              type="url"
              inputMode="url"
              placeholder="https://…"
              value={form.thumbnailUrl}
              onChange={(e) => set('thumbnailUrl', e.target.value)}
              error={errors.thumbnailUrl}
              hint="16:9, at least 1280 × 720. Paste a link or upload an image below."
            />
            {renderUpload({
              courseId: course.id,
              purpose: 'course_thumbnail',
              onUploaded: (file) => set('thumbnailUrl', file.url),
            })}
            {form.thumbnailUrl && !errors.thumbnailUrl && (
              <img className="thumbnail editor-thumbnail" src={form.thumbnailUrl} alt="Thumbnail preview" />
            )}
          </div>
          <div className="stack-tight">
            <TextField
              label="Preview video (URL)"
              name="previewVideoUrl"
              type="url"
              inputMode="url"
              placeholder="https://…"
              value={form.previewVideoUrl}
              onChange={(e) => set('previewVideoUrl', e.target.value)}
              error={errors.previewVideoUrl}
              hint="A short trailer shown on the landing page to everyone. Paste a link or upload a video below."
            />
            {renderUpload({
              courseId: course.id,
              purpose: 'course_preview_video',
              onUploaded: (file) => set('previewVideoUrl', file.url),
            })}
          </div>
        </div>
      </Card>

      <Card>
        <h2>Catalogue</h2>
        <div className="stack">
          <div className="form-grid">
            <TextField
              label="Category"
              name="category"
              list="editor-categories"
              maxLength={100}
              value={form.category}
              onChange={(e) => set('category', e.target.value)}
              error={errors.category}
            />
            <TextField
              label="Subcategory"
              name="subcategory"
              maxLength={100}
              value={form.subcategory}
              onChange={(e) => set('subcategory', e.target.value)}
              error={errors.subcategory}
            />
            <datalist id="editor-categories">
              {CATEGORIES.map((category) => (
                <option key={category} value={category} />
              ))}
            </datalist>
            <SelectField
              label="Difficulty"
              name="difficultyLevel"
              value={form.difficultyLevel}
              onChange={(e) => set('difficultyLevel', e.target.value as CourseFormState['difficultyLevel'])}
              error={errors.difficultyLevel}
            >
              {difficultyLevelSchema.options.map((level) => (
                <option key={level} value={level}>
                  {capitalize(level)}
                </option>
              ))}
            </SelectField>
            <SelectField
              label="Language of the course"
              name="language"
              value={form.language}
              onChange={(e) => set('language', e.target.value)}
              error={errors.language}
            >
              {languages.map(([tag, name]) => (
                <option key={tag} value={tag}>
                  {name}
                </option>
              ))}
            </SelectField>
          </div>
          <ListInput
            label="Tags"
            itemLabel="Tag"
            name="tags"
            values={form.tags}
            onChange={(values) => set('tags', values)}
            max={20}
            maxLength={500}
            hint="Words people search for. Up to 20."
            error={errors.tags}
            itemErrors={itemErrors(errors, 'tags')}
          />
          <ListInput
            label="Captions available"
            itemLabel="Caption language"
            name="captionsAvailable"
            values={form.captionsAvailable}
            onChange={(values) => set('captionsAvailable', values)}
            max={50}
            placeholder="en"
            hint="Language tags of the subtitles your videos have, such as en or pt-BR."
            error={errors.captionsAvailable}
            itemErrors={itemErrors(errors, 'captionsAvailable')}
          />
        </div>
      </Card>

      <Card>
        <h2>Price and access</h2>
        <div className="form-grid">
          <SelectField
            label="Access"
            name="accessType"
            value={form.accessType}
            onChange={(e) => set('accessType', e.target.value as CourseFormState['accessType'])}
            error={errors.accessType}
          >
            {courseAccessTypeSchema.options.map((type) => (
              <option key={type} value={type}>
                {ACCESS_LABELS[type]}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Price (USD)"
            name="price"
            inputMode="decimal"
            value={form.accessType === 'free' ? '0' : form.price}
            disabled={form.accessType === 'free'}
            onChange={(e) => set('price', e.target.value)}
            error={errors.price}
            hint={
              form.accessType === 'free'
                ? 'Free courses cost nothing.'
                : form.accessType === 'paid'
                  ? 'More than 0, such as 19.99.'
                  : 'Optional: a price for buying it outside the subscription.'
            }
          />
        </div>
        <Checkbox
          label="Certificate of completion"
          hint="Learners who finish every lesson receive one."
          checked={form.hasCertificate}
          onChange={(e) => set('hasCertificate', e.target.checked)}
        />
      </Card>

      <Card>
        <h2>Who it is for</h2>
        <div className="stack">
          <ListInput
            label="What learners will learn"
            itemLabel="Outcome"
            name="learningOutcomes"
            values={form.learningOutcomes}
            onChange={(values) => set('learningOutcomes', values)}
            hint="Concrete results, one per line: “Write type-safe React components”."
            error={errors.learningOutcomes}
            itemErrors={itemErrors(errors, 'learningOutcomes')}
          />
          <ListInput
            label="Prerequisites"
            itemLabel="Prerequisite"
            name="prerequisites"
            values={form.prerequisites}
            onChange={(values) => set('prerequisites', values)}
            error={errors.prerequisites}
            itemErrors={itemErrors(errors, 'prerequisites')}
          />
          <TextArea
            label="Target audience"
            name="targetAudience"
            rows={3}
            maxLength={2000}
            value={form.targetAudience}
            onChange={(e) => set('targetAudience', e.target.value)}
            error={errors.targetAudience}
          />
        </div>
      </Card>

      <Card>
        <h2>Search engines and sharing</h2>
        <div className="stack">
          <TextArea
            label="Meta description"
            name="metaDescription"
            rows={2}
            maxLength={320}
            value={form.metaDescription}
            onChange={(e) => set('metaDescription', e.target.value)}
            error={errors.metaDescription}
            hint={`What search results and shared links show. ${form.metaDescription.length} of 320 characters; about 155 show in most results.`}
          />
          <ListInput
            label="Meta keywords"
            itemLabel="Keyword"
            name="metaKeywords"
            values={form.metaKeywords}
            onChange={(values) => set('metaKeywords', values)}
            error={errors.metaKeywords}
            itemErrors={itemErrors(errors, 'metaKeywords')}
          />
        </div>
      </Card>

      <div className="sticky-actions">
        <Button type="submit" busy={update.isPending} disabled={!isDirty}>
          Save changes
        </Button>
        {isDirty ? (
          <span className="unsaved">Unsaved changes</span>
        ) : savedNotice ? (
          <span role="status">All changes saved.</span>
        ) : null}
        {Object.keys(errors).length > 0 && (
          <span className="field-error" role="alert">
            Some fields need a change before saving.
          </span>
        )}
      </div>
      {serverProblem && (
        <Alert tone="error" title="The changes could not be saved">
          {describeError(update.error)}
        </Alert>
      )}
    </form>
  );
}
