import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../lib/api.ts';
import { QueryView } from './Feedback.tsx';

type Query = Parameters<typeof QueryView<{ title: string }>>[0]['query'];

const base: Query = { isPending: false, isError: false, error: null, data: undefined, refetch: vi.fn() };
const render = (query: Query, notFound?: string) =>
  renderToStaticMarkup(
    createElement(QueryView<{ title: string }>, {
      query,
      loading: 'Loading the course…',
      errorTitle: 'The course could not be loaded',
      notFound,
      children: (course) => createElement('h1', null, course.title),
    }),
  );

describe('QueryView', () => {
  it('shows the loading state while the query is pending', () => {
    const html = render({ ...base, isPending: true });
    expect(html).toContain('Loading the course…');
    expect(html).toContain('role="status"');
  });

  it('renders the data once it is there', () => {
    expect(render({ ...base, data: { title: 'TypeScript from zero' } })).toBe(
      '<h1>TypeScript from zero</h1>',
    );
  });

  it('shows a failed load with its title, the reason and a way to try again', () => {
    const error = new ApiError('internal_error', 'boom', 500, 'req-7');
    const html = render({ ...base, isError: true, error });
    expect(html).toContain('The course could not be loaded');
    expect(html).toContain('role="alert"');
    expect(html).toContain('Try again');
    expect(html).not.toContain('<h1>');
  });

  it('shows notFound for a missing thing and for a malformed id alike, and the error otherwise', () => {
    for (const code of ['not_found', 'validation_failed'] as const) {
      const html = render({ ...base, isError: true, error: new ApiError(code, 'x', 404) }, 'No such course');
      expect(html).toBe('No such course');
    }
    const other = render(
      { ...base, isError: true, error: new ApiError('forbidden', 'x', 403) },
      'No such course',
    );
    expect(other).toContain('The course could not be loaded');
    // Without a notFound the 404 is an ordinary failed load.
    expect(render({ ...base, isError: true, error: new ApiError('not_found', 'x', 404) })).toContain(
      'Try again',
    );
  });
});
