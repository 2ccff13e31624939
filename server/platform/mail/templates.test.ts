import { describe, expect, it } from 'vitest';
import { assertOwnLink, escapeHtml, MailLinkError, type MailContext } from './layout.ts';
import {
  MAIL_TEMPLATE_NAMES,
  MAIL_TEMPLATES,
  MailDataError,
  renderMail,
  type MailTemplateData,
  type MailTemplateName,
} from './templates.ts';

const context: MailContext = { productName: 'UsefulWriter', publicUrl: 'https://learn.example.org' };
const CHANGED_AT = '2026-03-04T05:06:07Z';

/** Valid data for every template, each with a distinctive link. */
const SAMPLES: { [N in MailTemplateName]: MailTemplateData<N> } = {
  email_confirmation: { displayName: 'Ada', confirmUrl: 'https://learn.example.org/confirm?token=c0nf1rm' },
  password_reset: { displayName: 'Ada', resetUrl: 'https://learn.example.org/reset?token=r3s3t' },
  email_change_confirmation: {
    displayName: 'Ada',
    newEmail: 'ada.new@example.org',
    confirmUrl: 'https://learn.example.org/email/confirm?token=n3w',
  },
  email_changed_notice: {
    displayName: 'Ada',
    newEmail: 'ada.new@example.org',
    changedAt: CHANGED_AT,
    secureAccountUrl: 'https://learn.example.org/account/security',
  },
  password_changed_notice: {
    displayName: 'Ada',
    changedAt: new Date(CHANGED_AT),
    resetPasswordUrl: 'https://learn.example.org/forgot-password',
  },
  sign_up_attempt_notice: {
    displayName: 'Ada',
    resetPasswordUrl: 'https://learn.example.org/forgot-password?from=sign-up',
  },
  payment_failed: {
    displayName: 'Ada',
    planName: 'Premium (monthly)',
    accessUntil: CHANGED_AT,
    billingUrl: 'https://learn.example.org/account/billing',
  },
};

const render = <N extends MailTemplateName>(name: N, data: MailTemplateData<N>, ctx = context) =>
  renderMail(name, data, ctx);

describe('the template registry', () => {
  it('has the six account emails', () => {
    expect(MAIL_TEMPLATE_NAMES.sort()).toEqual([
      'email_change_confirmation',
      'email_changed_notice',
      'email_confirmation',
      'password_changed_notice',
      'password_reset',
      'payment_failed',
      'sign_up_attempt_notice',
    ]);
  });

  it('names fit the mail_outbox.template CHECK', () => {
    for (const name of MAIL_TEMPLATE_NAMES) expect(name).toMatch(/^[a-z][a-z0-9_]{0,62}$/);
  });
});

describe.each(MAIL_TEMPLATE_NAMES)('%s', (name) => {
  const mail = render(name, SAMPLES[name] as never);

  it('renders a subject, an HTML part and a plain-text part', () => {
    expect(mail.subject.length).toBeGreaterThan(10);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain(`<title>${escapeHtml(mail.subject)}</title>`);
    expect(mail.text).not.toMatch(/<[a-z]/i);
    expect(mail.text.startsWith('\n')).toBe(false);
  });

  it('greets by name and carries the product name and PUBLIC_URL in both parts', () => {
    for (const part of [mail.html, mail.text]) {
      expect(part).toContain('Hi Ada,');
      expect(part).toContain('UsefulWriter');
      expect(part).toContain('https://learn.example.org/');
    }
  });

  it('puts every link of its data in both parts, as a link in HTML and on its own line in text', () => {
    const links = Object.values(SAMPLES[name]).filter(
      (v): v is string => typeof v === 'string' && v.startsWith('https://'),
    );
    expect(links.length).toBeGreaterThan(0);
    for (const url of links) {
      expect(mail.html).toContain(`href="${escapeHtml(url)}"`);
      expect(mail.text.split('\n')).toContain(url);
    }
  });

  it('greets without a name when none is given', () => {
    const { displayName: _name, ...anonymous } = SAMPLES[name] as Record<string, unknown>;
    const plain = render(name, anonymous as never);
    expect(plain.text).toContain('Hi,\n');
  });

  it('refuses unknown fields (a typo must not silently drop data)', () => {
    expect(() => render(name, { ...(SAMPLES[name] as object), extra: 1 } as never)).toThrow(MailDataError);
  });
});

describe('content', () => {
  it('confirmation and reset state when their link expires (defaults and given values)', () => {
    expect(render('email_confirmation', SAMPLES.email_confirmation).text).toContain('expires in 24 hours');
    expect(render('password_reset', SAMPLES.password_reset).text).toContain('expires in 60 minutes');
    expect(render('password_reset', { ...SAMPLES.password_reset, expiresInMinutes: 1 }).text).toContain(
      'expires in 1 minute ',
    );
  });

  it('the email-change confirmation (to the new address) names the new address', () => {
    const mail = render('email_change_confirmation', SAMPLES.email_change_confirmation);
    expect(mail.text).toContain('to ada.new@example.org.');
  });

  it('the email-changed notice (to the old address) names the new address and the time, in UTC', () => {
    const mail = render('email_changed_notice', SAMPLES.email_changed_notice);
    expect(mail.text).toContain('On 2026-03-04 05:06 UTC');
    expect(mail.text).toContain('changed to ada.new@example.org');
    expect(mail.text).toContain('If you did not make this change');
  });

  it('the notices work without their optional link', () => {
    const { secureAccountUrl: _s, ...notice } = SAMPLES.email_changed_notice;
    expect(render('email_changed_notice', notice).html).not.toContain('Secure your account');
    const { resetPasswordUrl: _r, ...changed } = SAMPLES.password_changed_notice;
    expect(render('password_changed_notice', changed).text).toContain('changed on 2026-03-04 05:06 UTC');
  });
});

describe('escaping', () => {
  const hostile = '<script>alert("x")</script> & \'Bob\'';

  it('escapes a display name in HTML and keeps it readable in text', () => {
    const mail = render('email_confirmation', { ...SAMPLES.email_confirmation, displayName: hostile });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Bob&#39;,');
    expect(mail.text).toContain(`Hi ${hostile},`);
  });

  it('escapes a link in attributes and text (a quote cannot break out of href)', () => {
    const url = 'https://learn.example.org/confirm?token=a"onmouseover="x&b=<i>';
    const mail = render('email_confirmation', { confirmUrl: url });
    expect(mail.html).not.toContain('"onmouseover');
    expect(mail.html).not.toContain('<i>');
    expect(mail.html).toContain(
      'href="https://learn.example.org/confirm?token=a&quot;onmouseover=&quot;x&amp;b=&lt;i&gt;"',
    );
  });

  it('puts a display name on one line: no fake paragraphs or links in the text part', () => {
    const mail = render('password_reset', {
      ...SAMPLES.password_reset,
      displayName: 'Eve\n\nClick https://evil.example/\r\u2028now\u202E',
    });
    expect(mail.text).toContain('Hi Eve Click https://evil.example/ now,');
  });

  it('escapes the product name and the PUBLIC_URL in the layout', () => {
    const mail = render('password_reset', SAMPLES.password_reset, {
      productName: 'A&B <Academy>',
      publicUrl: 'https://learn.example.org',
    });
    expect(mail.html).toContain('A&amp;B &lt;Academy&gt;');
    expect(mail.html).not.toContain('<Academy>');
    expect(mail.subject).toBe('Reset your A&B <Academy> password');
  });

  it('escapeHtml escapes the five characters that matter', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('data validation', () => {
  const issuesOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof MailDataError) return error.issues.map((i) => i.path);
      throw error;
    }
    throw new Error('expected a MailDataError');
  };

  it('requires the link and refuses a non-URL, naming the field but not the value', () => {
    expect(issuesOf(() => render('password_reset', {} as never))).toEqual(['data.resetUrl']);
    let message = '';
    try {
      render('password_reset', { resetUrl: 'not a url secret-token-123' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('data.resetUrl');
    expect(message).not.toContain('secret-token-123');
  });

  it('refuses a javascript: link and a bad email address', () => {
    expect(issuesOf(() => render('email_confirmation', { confirmUrl: 'javascript:alert(1)' }))).toEqual([
      'data.confirmUrl',
    ]);
    expect(
      issuesOf(() =>
        render('email_change_confirmation', {
          ...SAMPLES.email_change_confirmation,
          newEmail: 'not-an-address',
        }),
      ),
    ).toEqual(['data.newEmail']);
  });

  it('refuses out-of-range expiries, bad dates and an over-long name', () => {
    expect(
      issuesOf(() => render('password_reset', { ...SAMPLES.password_reset, expiresInMinutes: 0 })),
    ).toEqual(['data.expiresInMinutes']);
    expect(
      issuesOf(() =>
        render('password_changed_notice', { ...SAMPLES.password_changed_notice, changedAt: 'yesterday' }),
      ),
    ).toEqual(['data.changedAt']);
    expect(
      issuesOf(() =>
        render('email_confirmation', { ...SAMPLES.email_confirmation, displayName: 'x'.repeat(101) }),
      ),
    ).toEqual(['data.displayName']);
  });

  it('refuses an unknown template, including inherited property names', () => {
    expect(() => render('welcome' as MailTemplateName, {} as never)).toThrow(
      /Unknown mail template "welcome"/,
    );
    expect(() => render('constructor' as MailTemplateName, {} as never)).toThrow(MailDataError);
  });
});

describe('links must point under PUBLIC_URL', () => {
  it.each([
    'https://evil.example.org/reset?token=t', // another host (a forged Host header)
    'http://learn.example.org/reset?token=t', // another scheme
    'https://learn.example.org:8443/reset?token=t', // another port
    'https://learn.example.org.evil.example/reset', // a look-alike host
    'https://user:pw@learn.example.org/reset', // credentials in the link
  ])('refuses %s', (url) => {
    expect(() => render('password_reset', { resetUrl: url })).toThrow(MailLinkError);
  });

  it('with a PUBLIC_URL path, refuses links outside it', () => {
    const ctx = { productName: 'UsefulWriter', publicUrl: 'https://example.org/lms' };
    expect(() => assertOwnLink('https://example.org/lms/reset?token=t', ctx)).not.toThrow();
    expect(() => assertOwnLink('https://example.org/other/reset', ctx)).toThrow(MailLinkError);
    expect(() => assertOwnLink('https://example.org/lmsx/reset', ctx)).toThrow(MailLinkError);
  });

  it('every template checks its links (no template escapes the check)', () => {
    for (const name of MAIL_TEMPLATE_NAMES) {
      const data = Object.fromEntries(
        Object.entries(SAMPLES[name]).map(([k, v]) => [
          k,
          typeof v === 'string' && v.startsWith('https://')
            ? v.replace('learn.example.org', 'evil.example')
            : v,
        ]),
      );
      expect(() => render(name, data as never), name).toThrow(MailLinkError);
    }
    expect(Object.keys(MAIL_TEMPLATES)).toHaveLength(MAIL_TEMPLATE_NAMES.length);
  });
});
