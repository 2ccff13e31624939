import { useId, useRef } from 'react';
import { Button } from '../../components/Button.tsx';

interface ListInputProps {
  /** The group's name, e.g. "Learning outcomes". */
  label: string;
  /** One item's name, e.g. "Outcome": labels read "Outcome 2", buttons "Add outcome". */
  itemLabel: string;
  values: string[];
  onChange: (values: string[]) => void;
  hint?: string;
  /** A message for the whole list, or for one item by index (from the API's `tags.2`). */
  error?: string;
  itemErrors?: Record<number, string>;
  max?: number;
  maxLength?: number;
  placeholder?: string;
  /** Field name prefix for the inputs (`learningOutcomes` → `learningOutcomes.0`), which error focus uses. */
  name: string;
}

/**
 * An editable list of short texts (tags, outcomes, prerequisites…): one labelled input per item,
 * remove buttons, and an add button. Focus follows the edits: a new item's input gets it, and
 * removing an item hands it to its neighbour (or the add button), so a keyboard user never loses
 * their place.
 */
export function ListInput({
  label,
  itemLabel,
  values,
  onChange,
  hint,
  error,
  itemErrors = {},
  max = 30,
  maxLength = 500,
  placeholder,
  name,
}: ListInputProps) {
  const id = useId();
  const listRef = useRef<HTMLOListElement>(null);
  const addRef = useRef<HTMLDivElement>(null);

  const focusItem = (index: number) =>
    requestAnimationFrame(() => {
      const inputs = listRef.current?.querySelectorAll<HTMLInputElement>('input');
      const target = inputs?.[index];
      if (target) target.focus();
      else addRef.current?.querySelector('button')?.focus();
    });

  const handleAdd = () => {
    onChange([...values, '']);
    focusItem(values.length);
  };

  const handleRemove = (index: number) => {
    onChange(values.filter((_, i) => i !== index));
    focusItem(Math.min(index, values.length - 2));
  };

  const lower = itemLabel.toLowerCase();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <fieldset
      className={error ? 'field fieldset field-invalid' : 'field fieldset'}
      aria-describedby={describedBy || undefined}
    >
      <legend className="field-label">{label}</legend>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {values.length === 0 ? (
        <p className="muted small">None yet.</p>
      ) : (
        <ol className="list-input" ref={listRef}>
          {values.map((value, index) => {
            const itemError = itemErrors[index];
            const inputId = `${id}-${index}`;
            return (
              <li key={index} className={itemError ? 'list-input-item field-invalid' : 'list-input-item'}>
                <label htmlFor={inputId} className="visually-hidden">
                  {itemLabel} {index + 1}
                </label>
                <div className="input-group">
                  <input
                    id={inputId}
                    name={`${name}.${index}`}
                    className="input"
                    value={value}
                    maxLength={maxLength}
                    placeholder={placeholder}
                    aria-invalid={itemError ? true : undefined}
                    aria-describedby={itemError ? `${inputId}-error` : undefined}
                    onChange={(event) =>
                      onChange(values.map((v, i) => (i === index ? event.target.value : v)))
                    }
                    onKeyDown={(event) => {
                      // Enter adds the next item instead of submitting the whole form.
                      if (event.key === 'Enter') {
                        event.preventDefault();
                        if (values.length < max) handleAdd();
                      }
                    }}
                  />
                  <Button variant="ghost" onClick={() => handleRemove(index)}>
                    Remove
                    <span className="visually-hidden">
                      {' '}
                      {lower} {index + 1}
                    </span>
                  </Button>
                </div>
                {itemError && (
                  <p id={`${inputId}-error`} className="field-error">
                    <span aria-hidden="true">⚠ </span>
                    {itemError}
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <div ref={addRef}>
        <Button variant="secondary" onClick={handleAdd} disabled={values.length >= max}>
          Add {lower}
        </Button>
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
    </fieldset>
  );
}
