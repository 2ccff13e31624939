import { describe, expect, it } from 'vitest';
import { describeSmtpError } from './smtp.ts';

const URL_WITH_PASSWORD = 'smtps://mailer%40example.org:p%40ss%3Aw0rd!@smtp.example.org:465';
const PASSWORD = 'p@ss:w0rd!';

describe('describeSmtpError', () => {
  it('keeps the code, the server status and the message', () => {
    const error = Object.assign(
      new Error("Can't send mail - all recipients were rejected: 550 5.1.1 No such user"),
      {
        code: 'EENVELOPE',
        responseCode: 550,
      },
    );
    expect(describeSmtpError(error, URL_WITH_PASSWORD)).toBe(
      "EENVELOPE 550: Can't send mail - all recipients were rejected: 550 5.1.1 No such user",
    );
  });

  it('removes the password in every form: as configured, decoded, and AUTH PLAIN/LOGIN base64', () => {
    const plain = Buffer.from(`\u0000mailer@example.org\u0000${PASSWORD}`).toString('base64');
    const login = Buffer.from(PASSWORD).toString('base64');
    const error = new Error(`echo p%40ss%3Aw0rd! and ${PASSWORD} and AUTH PLAIN ${plain} and ${login}`);
    const text = describeSmtpError(error, URL_WITH_PASSWORD);
    expect(text).toBe('echo *** and *** and AUTH PLAIN *** and ***');
  });

  it('masks user:password@ in any URL, even with another password', () => {
    const text = describeSmtpError(
      new Error('connect smtp://bob:hunter2@relay.example:25 failed'),
      'smtp://h',
    );
    expect(text).toBe('connect smtp://bob:***@relay.example:25 failed');
  });

  it('copes with things that are not errors, and bounds the length', () => {
    expect(describeSmtpError('boom', 'smtp://h')).toBe('boom');
    expect(describeSmtpError(undefined, 'smtp://h')).toBe('undefined');
    expect(describeSmtpError(new Error('x'.repeat(5000)), 'smtp://h')).toHaveLength(1000);
  });
});
