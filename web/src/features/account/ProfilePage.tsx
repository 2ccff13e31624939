import { useState, type FormEvent } from 'react';
import {
  updateMyProfileBodySchema,
  type EmailNotifications,
  type MyProfile,
  type UpdateMyProfileBody,
} from '../../../../contracts/auth.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Button } from '../../components/Button.tsx';
import { Alert, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../../components/Field.tsx';
import { Card, PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { TimezonePicker } from '../../components/TimezonePicker.tsx';
import { isApiError } from '../../lib/api.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { useMyProfile, useUpdateMyProfile } from './account.api.ts';

/** Languages offered for the interface and course recommendations (BCP 47). */
const LANGUAGES: Array<[string, string]> = [
  ['en', 'English'],
  ['es', 'Español'],
  ['fr', 'Français'],
  ['de', 'Deutsch'],
  ['it', 'Italiano'],
  ['pt-BR', 'Português (Brasil)'],
  ['pt', 'Português'],
  ['nl', 'Nederlands'],
  ['pl', 'Polski'],
  ['uk', 'Українська'],
  ['tr', 'Türkçe'],
  ['ar', 'العربية'],
  ['hi', 'हिन्दी'],
  ['ja', '日本語'],
  ['ko', '한국어'],
  ['zh', '中文'],
];

const NOTIFICATIONS: Array<[keyof EmailNotifications, string, string]> = [
  ['courseUpdates', 'Course updates', 'New lessons and announcements in courses you take.'],
  ['weeklyProgress', 'Weekly progress', 'A short summary of your week, every Monday.'],
  ['dripContent', 'Scheduled lessons', 'Lessons of drip courses when they open.'],
  ['promotional', 'News and offers', 'New courses and discounts. Rarely.'],
];

export function ProfilePage() {
  useDocumentTitle('Profile and settings');
  const profile = useMyProfile();
  return (
    <QueryView query={profile} loading="Loading your profile…">
      {(data) => <ProfileForm key={data.id} profile={data} />}
    </QueryView>
  );
}

interface FormState {
  fullName: string;
  displayName: string;
  avatarUrl: string;
  bio: string;
  timezone: string;
  preferredLanguage: string;
  dailyLearningGoal: string;
  emailNotifications: EmailNotifications;
}

function toForm(p: MyProfile): FormState {
  return {
    fullName: p.fullName ?? '',
    displayName: p.displayName ?? '',
    avatarUrl: p.avatarUrl ?? '',
    bio: p.bio ?? '',
    timezone: p.timezone,
    preferredLanguage: p.preferredLanguage,
    dailyLearningGoal: String(p.dailyLearningGoal),
    emailNotifications: p.emailNotifications,
  };
}

/** Empty text means "none" for the optional columns. */
function toBody(f: FormState): UpdateMyProfileBody {
  const orNull = (text: string) => (text.trim() === '' ? null : text.trim());
  return {
    fullName: orNull(f.fullName),
    displayName: orNull(f.displayName),
    avatarUrl: orNull(f.avatarUrl),
    bio: orNull(f.bio),
    timezone: f.timezone,
    preferredLanguage: f.preferredLanguage,
    dailyLearningGoal: f.dailyLearningGoal.trim() === '' ? Number.NaN : Number(f.dailyLearningGoal),
    emailNotifications: f.emailNotifications,
  };
}

function ProfileForm({ profile }: { profile: MyProfile }) {
  const [form, setForm] = useState<FormState>(() => toForm(profile));
  const { errors, validate, fromServer } = useFieldErrors();
  const update = useUpdateMyProfile();
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    if (update.isSuccess) update.reset();
  };

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const body = validate(updateMyProfileBodySchema, toBody(form));
    if (!body) return;
    update.mutate(body, {
      onSuccess: (saved) => setForm(toForm(saved)),
      onError: fromServer,
    });
  };

  const languages = LANGUAGES.some(([tag]) => tag === form.preferredLanguage)
    ? LANGUAGES
    : [[form.preferredLanguage, form.preferredLanguage] as [string, string], ...LANGUAGES];
  const previewName = form.displayName || form.fullName || profile.email;

  return (
    <>
      <PageHeader title="Profile and settings" lead={`Signed in as ${profile.email}`} />
      <form onSubmit={handleSubmit} noValidate className="settings">
        <Card>
          <h2>About you</h2>
          <p className="muted">
            Your display name, picture and bio appear on your reviews and, for instructors, on course pages.
          </p>
          <div className="stack">
            <TextField
              label="Full name"
              name="fullName"
              autoComplete="name"
              value={form.fullName}
              onChange={(e) => set('fullName', e.target.value)}
              error={errors.fullName}
            />
            <TextField
              label="Display name"
              name="displayName"
              autoComplete="nickname"
              value={form.displayName}
              onChange={(e) => set('displayName', e.target.value)}
              error={errors.displayName}
              hint="What others see. Leave empty to use your full name."
            />
            <div className="avatar-field">
              <Avatar name={previewName} url={form.avatarUrl || null} size={64} />
              <TextField
                label="Picture (URL)"
                name="avatarUrl"
                type="url"
                inputMode="url"
                placeholder="https://…"
                value={form.avatarUrl}
                onChange={(e) => set('avatarUrl', e.target.value)}
                error={errors.avatarUrl}
                hint="A link to a square image, starting with https://."
              />
            </div>
            <TextArea
              label="Bio"
              name="bio"
              rows={4}
              maxLength={5000}
              value={form.bio}
              onChange={(e) => set('bio', e.target.value)}
              error={errors.bio}
              hint={`${form.bio.length} of 5000 characters.`}
            />
          </div>
        </Card>

        <Card>
          <h2>Learning</h2>
          <div className="stack">
            <TimezonePicker
              value={form.timezone}
              onChange={(zone) => set('timezone', zone)}
              error={errors.timezone}
            />
            <SelectField
              label="Language"
              name="preferredLanguage"
              value={form.preferredLanguage}
              onChange={(e) => set('preferredLanguage', e.target.value)}
              error={errors.preferredLanguage}
            >
              {languages.map(([tag, name]) => (
                <option key={tag} value={tag} lang={tag}>
                  {name}
                </option>
              ))}
            </SelectField>
            <TextField
              label="Daily learning goal (minutes)"
              name="dailyLearningGoal"
              type="number"
              inputMode="numeric"
              min={1}
              max={1440}
              step={1}
              value={form.dailyLearningGoal}
              onChange={(e) => set('dailyLearningGoal', e.target.value)}
              error={errors.dailyLearningGoal}
              hint="From 1 to 1440 minutes."
            />
          </div>
        </Card>

        <Card>
          <fieldset className="fieldset">
            <legend>
              <h2>Email notifications</h2>
            </legend>
            <p className="muted">Account emails (confirmations, password resets) are always sent.</p>
            <div className="stack-tight">
              {NOTIFICATIONS.map(([key, label, hint]) => (
                <Checkbox
                  key={key}
                  name={`emailNotifications.${key}`}
                  label={label}
                  hint={hint}
                  checked={form.emailNotifications[key]}
                  onChange={(e) =>
                    set('emailNotifications', { ...form.emailNotifications, [key]: e.target.checked })
                  }
                />
              ))}
            </div>
          </fieldset>
        </Card>

        <div className="form-actions" aria-live="polite">
          {update.isSuccess && <Alert tone="success">Your changes are saved.</Alert>}
          {Object.keys(errors).length > 0 && (
            <Alert tone="error">Some fields need a fix: see the messages above.</Alert>
          )}
          {update.isError && !isApiError(update.error, 'validation_failed') && (
            <ErrorAlert error={update.error} title="Your changes could not be saved" />
          )}
          <Button type="submit" busy={update.isPending}>
            Save changes
          </Button>
        </div>
      </form>
    </>
  );
}
