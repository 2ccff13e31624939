import { useId, useState, type ReactNode } from 'react';
import { PASSWORD_MIN_LENGTH } from '../../../../contracts/auth.ts';

/** A password input with a "Show" toggle (it helps on phones) and the usual label, hint and error wiring. */
export function PasswordField({
  label,
  name,
  value,
  onChange,
  error,
  hint,
  autoComplete,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: ReactNode;
  autoComplete: 'current-password' | 'new-password';
}) {
  const id = useId();
  const [visible, setVisible] = useState(false);
  const describedBy =
    [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <div className="input-group">
        <input
          id={id}
          name={name}
          className="input"
          type={visible ? 'text' : 'password'}
          autoComplete={autoComplete}
          required
          value={value}
          onChange={(event) => onChange(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          spellCheck={false}
          autoCapitalize="off"
        />
        <button
          type="button"
          className="btn btn-ghost input-addon"
          aria-pressed={visible}
          aria-controls={id}
          onClick={() => setVisible((v) => !v)}
        >
          {visible ? 'Hide' : 'Show'}
          <span className="visually-hidden"> password</span>
        </button>
      </div>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
    </div>
  );
}

/** The pair every password change asks for: the new password and the same again. */
export function NewPasswordFields({
  name,
  value,
  onChange,
  error,
  repeat,
  onRepeatChange,
  repeatError,
}: {
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  repeat: string;
  onRepeatChange: (value: string) => void;
  repeatError?: string | undefined;
}) {
  return (
    <>
      <PasswordField
        label="New password"
        name={name}
        autoComplete="new-password"
        value={value}
        onChange={onChange}
        error={error}
        hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
      />
      <PasswordField
        label="Repeat the new password"
        name="repeat"
        autoComplete="new-password"
        value={repeat}
        onChange={onRepeatChange}
        error={repeatError}
      />
    </>
  );
}
