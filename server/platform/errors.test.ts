import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS } from '../../contracts/errors.ts';
import { AppError, classifyError, describeValidationIssues, findPgError } from './errors.ts';

describe('AppError', () => {
  it('takes its status from the contract table and a default message', () => {
    const error = new AppError('not_found');
    expect(error.statusCode).toBe(404);
    expect(error.message).toBe('Not found.');
    expect(new AppError('conflict', 'Slug taken', { field: 'slug' })).toMatchObject({
      statusCode: 409,
      message: 'Slug taken',
      details: { field: 'slug' },
    });
  });

  it('has a 4xx or 5xx status for every code', () => {
    for (const code of ERROR_CODES) expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
  });
});

describe('describeValidationIssues', () => {
  it('also reads Ajv issues (plugins with JSON-schema routes)', () => {
    expect(
      describeValidationIssues('body', [
        {
          keyword: 'required',
          instancePath: '',
          params: { missingProperty: 'title' },
          message: "must have required property 'title'",
        },
        { keyword: 'additionalProperties', instancePath: '/meta', params: { additionalProperty: 'x' } },
        { keyword: 'type', instancePath: '/count', params: {}, message: 'must be integer' },
      ]),
    ).toEqual([
      { path: 'body.title', message: 'is required' },
      { path: 'body.meta.x', message: 'is not an allowed field' },
      { path: 'body.count', message: 'must be integer' },
    ]);
  });

  it('lists every unknown key of a strict object', () => {
    expect(
      describeValidationIssues('querystring', [
        {
          keyword: 'unrecognized_keys',
          instancePath: '/',
          params: { keys: ['a', 'b'] },
          message: 'Unrecognized keys',
        },
      ]),
    ).toEqual([
      { path: 'querystring.a', message: 'is not an allowed field' },
      { path: 'querystring.b', message: 'is not an allowed field' },
    ]);
  });
});

describe('findPgError', () => {
  const pgError = Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' });

  it('finds a server error in the cause chain', () => {
    expect(findPgError(new Error('wrapped', { cause: pgError }))).toBe(pgError);
  });

  it('ignores Node errno codes that happen to be five letters', () => {
    expect(findPgError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBeUndefined();
    expect(classifyError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })).code).toBe(
      'internal_error',
    );
  });

  it('lets a service-thrown AppError win over the database error it wraps', () => {
    expect(classifyError(new AppError('conflict', 'Slug taken', undefined, { cause: pgError })).message).toBe(
      'Slug taken',
    );
  });
});
