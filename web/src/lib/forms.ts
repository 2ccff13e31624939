import { useCallback, useState } from 'react';
import type { z } from 'zod';
import { isApiError } from './api.ts';

export type FieldErrors = Record<string, string>;

/**
 * zod issues by field name (`emailNotifications.promotional` for nested ones), first message wins.
 * An empty text field gets "required" rather than the rule it happens to break first.
 */
export function zodFieldErrors(error: z.ZodError, value?: unknown): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_';
    const input = issue.path.reduce<unknown>(
      (node, part) =>
        node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[part] : undefined,
      value,
    );
    const message =
      typeof input === 'string' && input.trim() === '' ? 'This field is required.' : sentence(issue.message);
    out[key] ??= message;
  }
  return out;
}

/** The server's messages are fragments ("must be at least 8 characters"): make them read as sentences. */
export function sentence(message: string): string {
  const text = message.trim();
  if (!text) return text;
  const capitalised = /^(must|is|should|cannot|has)\b/.test(text) ? `This ${text}` : text;
  const first = capitalised.charAt(0).toUpperCase() + capitalised.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * Field errors of a form, from client-side validation or from a server's validation_failed answer.
 * `focusFirst` moves focus to the first field in error, so it is read out and can be fixed at once.
 */
export function useFieldErrors() {
  const [errors, setErrors] = useState<FieldErrors>({});

  const fromServer = useCallback((error: unknown): boolean => {
    if (!isApiError(error, 'validation_failed')) return false;
    const fields = Object.fromEntries(
      Object.entries(error.fieldErrors).map(([key, message]) => [key, sentence(message)]),
    );
    setErrors(fields);
    focusFirstInvalid();
    return Object.keys(fields).length > 0;
  }, []);

  const validate = useCallback(<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined => {
    const result = schema.safeParse(value);
    if (result.success) {
      setErrors({});
      return result.data;
    }
    setErrors(zodFieldErrors(result.error, value));
    focusFirstInvalid();
    return undefined;
  }, []);

  /** Shows errors decided by the page (a wrong current password) and focuses the first field. */
  const show = useCallback((fields: FieldErrors) => {
    setErrors(fields);
    focusFirstInvalid();
  }, []);

  return { errors, setErrors, show, fromServer, validate };
}

function focusFirstInvalid() {
  // After React has rendered aria-invalid on the fields.
  requestAnimationFrame(() => {
    document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  });
}
