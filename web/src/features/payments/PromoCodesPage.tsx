import { useState, type FormEvent } from 'react';
import type { PromoCode, PromoCodeInput } from '../../../../contracts/payments.ts';
import { Button } from '../../components/Button.tsx';
import { Alert, EmptyState, ErrorAlert, LoadingState, QueryView } from '../../components/Feedback.tsx';
import { Checkbox, SelectField, TextField } from '../../components/Field.tsx';
import { Card, PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { useSession } from '../auth/session.ts';
import './payments.css';
import {
  formatMoney,
  useCreatePromoCode,
  useMyCourseChoices,
  usePromoCodes,
  useUpdatePromoCode,
} from './payments.api.ts';

function describe(code: PromoCode): string {
  const amount =
    code.discountType === 'percentage'
      ? `${code.discountValue} % off`
      : `${formatMoney(code.discountValue)} off`;
  const scope =
    code.applicableTo === 'all_courses'
      ? 'every course'
      : code.applicableTo === 'subscription'
        ? 'plans'
        : `${code.courseIds.length} course${code.courseIds.length === 1 ? '' : 's'}`;
  return `${amount}, ${scope}`;
}

/**
 * Promotional codes: admins create codes for anything, instructors for their own courses only
 * (the database refuses anything else). Learners never see this list.
 */
export function PromoCodesPage() {
  useDocumentTitle('Promotional codes');
  const session = useSession();
  const isAdmin = session.data?.role === 'admin';
  const codes = usePromoCodes();
  const courses = useMyCourseChoices();
  const create = useCreatePromoCode();
  const update = useUpdatePromoCode();
  const [form, setForm] = useState({
    code: '',
    description: '',
    discountType: 'percentage' as 'percentage' | 'fixed_amount',
    value: '20',
    applicableTo: 'specific_courses' as PromoCode['applicableTo'],
    courseIds: [] as string[],
    maxUses: '',
    maxUsesPerUser: '1',
    validUntil: '',
  });
  const set = (patch: Partial<typeof form>) => setForm((f) => ({ ...f, ...patch }));
  const fieldErrors = isApiError(create.error, 'validation_failed') ? create.error.fieldErrors : {};

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = Number(form.value);
    const input: PromoCodeInput = {
      code: form.code,
      description: form.description.trim() || null,
      discountType: form.discountType,
      discountValue: form.discountType === 'fixed_amount' ? Math.round(value * 100) : Math.round(value),
      applicableTo: form.applicableTo,
      courseIds: form.applicableTo === 'specific_courses' ? form.courseIds : [],
      maxUses: form.maxUses ? Number(form.maxUses) : null,
      maxUsesPerUser: form.maxUsesPerUser ? Number(form.maxUsesPerUser) : null,
      validUntil: form.validUntil ? new Date(`${form.validUntil}T23:59:59`).toISOString() : null,
    };
    create.mutate(input, { onSuccess: () => set({ code: '', description: '' }) });
  };

  return (
    <>
      <PageHeader
        title="Promotional codes"
        lead={isAdmin ? 'Codes for any course or for plans.' : 'Codes for your own courses.'}
      />
      <Card>
        <h2>New code</h2>
        <form onSubmit={submit} noValidate>
          <TextField
            label="Code"
            hint="3–40 letters, digits, - or _ (learners type it; case does not matter)"
            value={form.code}
            required
            onChange={(e) => set({ code: e.target.value })}
            error={fieldErrors.code}
          />
          <TextField
            label="Description (optional)"
            value={form.description}
            onChange={(e) => set({ description: e.target.value })}
          />
          <SelectField
            label="Discount"
            value={form.discountType}
            onChange={(e) => set({ discountType: e.target.value as 'percentage' | 'fixed_amount' })}
          >
            <option value="percentage">Percentage</option>
            <option value="fixed_amount">Fixed amount</option>
          </SelectField>
          <TextField
            label={form.discountType === 'percentage' ? 'Percent off (1–100)' : 'Amount off'}
            inputMode="decimal"
            value={form.value}
            onChange={(e) => set({ value: e.target.value })}
            error={fieldErrors.discountValue}
          />
          <SelectField
            label="Applies to"
            value={form.applicableTo}
            onChange={(e) => set({ applicableTo: e.target.value as PromoCode['applicableTo'] })}
          >
            <option value="specific_courses">Specific courses</option>
            {isAdmin && <option value="all_courses">Every course</option>}
            {isAdmin && <option value="subscription">Plans (subscriptions and lifetime)</option>}
          </SelectField>
          {form.applicableTo === 'specific_courses' && (
            <fieldset className="promo-courses">
              <legend>Courses</legend>
              {courses.isPending ? (
                <LoadingState label="Loading your courses…" />
              ) : courses.isError ? (
                <ErrorAlert error={courses.error} title="Your courses could not be loaded" />
              ) : courses.data.items.length === 0 ? (
                <p className="muted">You have no courses yet.</p>
              ) : (
                courses.data.items.map((c) => (
                  <Checkbox
                    key={c.id}
                    label={c.title}
                    checked={form.courseIds.includes(c.id)}
                    onChange={(e) =>
                      set({
                        courseIds: e.target.checked
                          ? [...form.courseIds, c.id]
                          : form.courseIds.filter((id) => id !== c.id),
                      })
                    }
                  />
                ))
              )}
              {fieldErrors.courseIds && <p className="field-error">{fieldErrors.courseIds}</p>}
            </fieldset>
          )}
          <TextField
            label="Total uses (empty: unlimited)"
            inputMode="numeric"
            value={form.maxUses}
            onChange={(e) => set({ maxUses: e.target.value })}
          />
          <TextField
            label="Uses per learner (empty: unlimited)"
            inputMode="numeric"
            value={form.maxUsesPerUser}
            onChange={(e) => set({ maxUsesPerUser: e.target.value })}
          />
          <TextField
            label="Valid until (optional)"
            type="date"
            value={form.validUntil}
            onChange={(e) => set({ validUntil: e.target.value })}
          />
          <ErrorAlert
            error={create.isError && !isApiError(create.error, 'validation_failed') ? create.error : null}
            title="The code was not created"
          />
          {create.isSuccess && <Alert tone="success">Code {create.data.code} created.</Alert>}
          <Button type="submit" busy={create.isPending}>
            Create code
          </Button>
        </form>
      </Card>

      <h2>Your codes</h2>
      <ErrorAlert error={update.error} title="The code could not be changed" />
      <QueryView query={codes} loading="Loading codes…" errorTitle="Codes could not be loaded">
        {(data) =>
          data.codes.length === 0 ? (
            <EmptyState title="No codes yet" />
          ) : (
            <table className="data-table">
              <caption className="visually-hidden">Promotional codes, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Discount</th>
                  <th scope="col">Used</th>
                  <th scope="col">Valid until</th>
                  <th scope="col">Active</th>
                </tr>
              </thead>
              <tbody>
                {data.codes.map((code) => (
                  <tr key={code.id}>
                    <th scope="row" data-label="Code">
                      {code.code}
                      {code.description && <span className="muted small block">{code.description}</span>}
                    </th>
                    <td data-label="Discount">{describe(code)}</td>
                    <td data-label="Used">
                      {code.usesCount}
                      {code.maxUses ? ` of ${code.maxUses}` : ''}
                    </td>
                    <td data-label="Valid until">
                      {code.validUntil ? formatDate(code.validUntil) : 'No end'}
                    </td>
                    <td data-label="Active">
                      <Checkbox
                        label={`Active: ${code.code}`}
                        checked={code.isActive}
                        onChange={(e) => update.mutate({ codeId: code.id, isActive: e.target.checked })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </>
  );
}
