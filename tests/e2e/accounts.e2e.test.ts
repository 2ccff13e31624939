import { sql } from 'kysely';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browsers,
  expectNoHorizontalOverflow,
  screenshot,
  startApp,
  VIEWPORTS,
  watchForProblems,
  type Browser,
  type RunningApp,
  expectFocusOnField,
} from './harness.ts';

/**
 * The accounts journey, end to end in Chromium: sign up → the confirmation email, read by an admin
 * in the mailbox → confirm → sign in → edit the profile → sign out → forgot password → the reset
 * email → reset → the old password fails, the new one works. Nothing is shortcut: every step is
 * the web app talking to the real server, and every email is read where an admin reads it.
 */

const LEARNER = {
  name: 'Grace Brewster',
  email: `grace.${Date.now()}@example.org`,
  password: 'correct horse battery staple',
  newPassword: 'a brand new passphrase for grace',
  dateOfBirth: '1990-04-12',
};
const ADMIN = {
  name: 'Ada Admin',
  email: `ada.${Date.now()}@example.org`,
  password: 'admin passphrase for the e2e',
};

describe('accounts journey: sign up, confirm, profile, sign out, reset, sign in', () => {
  let running: RunningApp;
  let browser: Browser;
  let learner: Page;
  let admin: Page;
  let learnerProblems: string[];

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    await createAdmin(running);
    const learnerContext = await browser.newProfile(VIEWPORTS.desktop);
    learner = await learnerContext.newPage();
    learnerProblems = watchForProblems(
      learner,
      // The failures on purpose: the old password after the reset, a wrong current password.
      (url, status) => status === 401 && /\/api\/(auth\/sign-in|me\/password)$/.test(url),
    );
    admin = await signInAdmin(await browser.newProfile(VIEWPORTS.desktop), running.baseUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('signs up, confirms from the emailed link, signs in', async () => {
    const { baseUrl } = running;
    await learner.goto(`${baseUrl}/`);
    await learner.getByRole('link', { name: 'Sign up' }).click();
    await learner.getByRole('heading', { level: 1, name: 'Create your account' }).waitFor();

    // Submitting empty shows every problem at once, announced, with focus on the first field.
    await learner.getByRole('button', { name: 'Create account' }).click();
    await learner.locator('.field-error').first().waitFor();
    await expectFocusOnField(learner, 'fullName');
    await screenshot(learner, 'sign-up-errors-desktop');

    await learner.getByLabel('Full name').fill(LEARNER.name);
    await learner.getByLabel('Email address').fill(LEARNER.email);
    await learner.getByLabel('Password', { exact: true }).fill(LEARNER.password);
    await learner.getByLabel('Date of birth').fill(LEARNER.dateOfBirth);
    // The time zone defaults to the browser's (Europe/Paris in this profile).
    await expect(learner.getByRole('listbox', { name: /Time zone/ }).inputValue()).resolves.toBe(
      'Europe/Paris',
    );
    await learner.getByRole('button', { name: 'Create account' }).click();
    await learner.getByRole('heading', { level: 1, name: 'Check your inbox' }).waitFor();
    await screenshot(learner, 'sign-up-done-desktop');

    const confirmUrl = await readLinkFromMailbox(
      admin,
      LEARNER.email,
      /Confirm your email address/,
      '/confirm',
    );
    await screenshot(admin, 'admin-mailbox-message-desktop');
    expect(confirmUrl.startsWith(`${baseUrl}/confirm?token=`)).toBe(true);

    await learner.goto(confirmUrl);
    await learner.getByRole('button', { name: 'Confirm my email address' }).click();
    await learner.getByRole('heading', { level: 1, name: 'Email address confirmed' }).waitFor();
    await screenshot(learner, 'confirmed-desktop');
    await learner.getByRole('link', { name: 'Sign in' }).last().click();
    await learner.getByText('Your email address is confirmed. Sign in to continue.').waitFor();

    await signIn(learner, LEARNER.email, LEARNER.password);
    await learner.getByRole('button', { name: /account menu/ }).waitFor();
    // Confirmed: no reminder banner.
    expect(await learner.getByRole('region', { name: 'Confirm your email address' }).count()).toBe(0);
  });

  it('edits the profile and settings, which persist', async () => {
    await openUserMenu(learner, 'Profile and settings');
    await learner.getByRole('heading', { level: 1, name: 'Profile and settings' }).waitFor();
    await expect(learner.getByLabel('Full name').inputValue()).resolves.toBe(LEARNER.name);

    await learner.getByLabel('Display name').fill('Grace B.');
    await learner.getByLabel('Bio').fill('Learning TypeScript on the train.');
    await learner.getByLabel('Search time zones').fill('tokyo');
    await learner.getByRole('listbox', { name: /Time zone/ }).selectOption('Asia/Tokyo');
    await learner.getByLabel('Language').selectOption('fr');
    await learner.getByLabel('Daily learning goal (minutes)').fill('45');
    await learner.getByLabel('Weekly progress').check();
    await learner.getByLabel('News and offers').uncheck();

    // A bad value is refused before sending, and said next to its field.
    await learner.getByLabel('Picture (URL)').fill('not a url');
    await learner.getByRole('button', { name: 'Save changes' }).click();
    await learner.getByText(/Some fields need a fix/).waitFor();
    await expectFocusOnField(learner, 'avatarUrl');
    await learner.getByLabel('Picture (URL)').fill('');

    await learner.getByRole('button', { name: 'Save changes' }).click();
    await learner.getByText('Your changes are saved.').waitFor();
    // The header shows the new display name.
    await learner.getByRole('button', { name: /Grace B\..*account menu/ }).waitFor();
    await screenshot(learner, 'profile-saved-desktop');

    await learner.reload();
    await learner.getByRole('heading', { level: 1, name: 'Profile and settings' }).waitFor();
    await expect(learner.getByLabel('Display name').inputValue()).resolves.toBe('Grace B.');
    await expect(learner.getByLabel('Bio').inputValue()).resolves.toBe('Learning TypeScript on the train.');
    await expect(learner.getByRole('listbox', { name: /Time zone/ }).inputValue()).resolves.toBe(
      'Asia/Tokyo',
    );
    await expect(learner.getByLabel('Language').inputValue()).resolves.toBe('fr');
    await expect(learner.getByLabel('Daily learning goal (minutes)').inputValue()).resolves.toBe('45');
    await expect(learner.getByLabel('Weekly progress').isChecked()).resolves.toBe(true);
    await expect(learner.getByLabel('News and offers').isChecked()).resolves.toBe(false);

    // The same page on a phone: one column, nothing wider than the screen.
    await learner.setViewportSize(VIEWPORTS.phone);
    await screenshot(learner, 'profile-phone');
    await expectNoHorizontalOverflow(learner);
    await learner.setViewportSize(VIEWPORTS.desktop);
  });

  it('lists the sessions, then signs out', async () => {
    await openUserMenu(learner, 'Sessions');
    await learner.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
    await learner.getByText('This device', { exact: true }).waitFor();
    await screenshot(learner, 'sessions-desktop');

    await openUserMenu(learner, 'Sign out');
    // The URL first: were this to fail, the call log names every page the app navigated to.
    await learner.waitForURL(/\/sign-in\?signedOut=1$/);
    await learner.getByText('You are signed out.').waitFor();
    await learner.getByRole('link', { name: 'Sign up' }).waitFor();

    // Signed out means signed out: a private page sends you to sign in, and back afterwards.
    await learner.goto(`${running.baseUrl}/account/profile`);
    await learner.waitForURL(/\/sign-in\?next=%2Faccount%2Fprofile$/);
  });

  it('resets the password from the emailed link; the old one stops working', async () => {
    await learner.getByRole('link', { name: 'Forgot your password?' }).click();
    await learner.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
    await learner.getByLabel('Email address').fill(LEARNER.email);
    await learner.getByRole('button', { name: 'Send the link' }).click();
    await learner.getByRole('heading', { level: 1, name: 'Check your inbox' }).waitFor();

    const resetUrl = await readLinkFromMailbox(
      admin,
      LEARNER.email,
      /Reset your .* password/,
      '/reset-password',
    );
    expect(resetUrl.startsWith(`${running.baseUrl}/reset-password?token=`)).toBe(true);

    await learner.goto(resetUrl);
    await learner.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    await learner.getByLabel('New password', { exact: true }).fill(LEARNER.newPassword);
    await learner.getByLabel('Repeat the new password').fill('something else entirely');
    await learner.getByRole('button', { name: 'Change password' }).click();
    await learner.getByText('The two passwords differ.').waitFor();
    await learner.getByLabel('Repeat the new password').fill(LEARNER.newPassword);
    await screenshot(learner, 'reset-password-desktop');
    await learner.getByRole('button', { name: 'Change password' }).click();
    await learner.getByText('Your password is changed. Sign in with the new one.').waitFor();

    await signIn(learner, LEARNER.email, LEARNER.password);
    await learner.getByRole('alert').filter({ hasText: 'Wrong email address or password' }).waitFor();
    await screenshot(learner, 'sign-in-wrong-password-desktop');

    await signIn(learner, LEARNER.email, LEARNER.newPassword);
    await learner.getByRole('button', { name: /Grace B\..*account menu/ }).waitFor();
    await learner.getByRole('heading', { level: 1, name: 'Courses' }).waitFor();

    expect(learnerProblems).toEqual([]);
  });

  it('asks for the current password to change it, and says so next to the field', async () => {
    await openUserMenu(learner, 'Password and email');
    await learner.getByRole('heading', { level: 1, name: 'Password and email' }).waitFor();
    const form = learner
      .locator('form')
      .filter({ has: learner.getByRole('button', { name: 'Change password' }) });
    await form.getByLabel('Current password').fill('not my password at all');
    await form.getByLabel('New password', { exact: true }).fill('yet another long passphrase');
    await form.getByLabel('Repeat the new password').fill('yet another long passphrase');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText(/password is wrong/i).waitFor();
    await expectFocusOnField(learner, 'currentPassword');
    await screenshot(learner, 'password-and-email-desktop');
    // Still signed in: a wrong current password is not a lost session.
    await learner.getByRole('button', { name: /account menu/ }).waitFor();
    expect(learnerProblems).toEqual([]);
  });

  it('shows an admin the users, with a confirmed deactivation that ends the sessions', async () => {
    await admin.goto(`${running.baseUrl}/admin/users`);
    await admin.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await admin.getByLabel('Search').fill('grace.');
    await admin.waitForURL(/q=grace\./);
    const row = admin.getByRole('row').filter({ hasText: LEARNER.email });
    await row.waitFor();
    await screenshot(admin, 'admin-users-desktop');

    await row.getByRole('button', { name: /Deactivate/ }).click();
    const dialog = admin.getByRole('dialog', { name: /Deactivate/ });
    await dialog.waitFor();
    await screenshot(admin, 'admin-deactivate-dialog-desktop');
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    await admin.getByText(/is deactivated and signed out everywhere/).waitFor();
    await row.getByText('Deactivated').waitFor();

    // The learner's next request finds the session gone.
    await learner.goto(`${running.baseUrl}/account/profile`);
    await learner.waitForURL(/\/sign-in\?next=/);

    await row.getByRole('button', { name: /Reactivate/ }).click();
    await admin
      .getByRole('dialog', { name: /Reactivate/ })
      .getByRole('button', { name: 'Reactivate' })
      .click();
    await row.getByText('Active').waitFor();

    await admin.setViewportSize(VIEWPORTS.phone);
    await screenshot(admin, 'admin-users-phone');
    await expectNoHorizontalOverflow(admin);
  });
});

/** An admin: signs up through the API like anyone, then the system promotes them (no API does that for oneself). */
async function createAdmin(running: RunningApp): Promise<void> {
  const response = await fetch(`${running.baseUrl}/api/auth/sign-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: ADMIN.email,
      password: ADMIN.password,
      fullName: ADMIN.name,
      dateOfBirth: '1980-01-01',
      timezone: 'Europe/London',
    }),
  });
  expect(response.status).toBe(202);
  await running.database.db.asSystem((tx) =>
    sql`update public.profiles set role = 'admin' where lower(email) = ${ADMIN.email}`.execute(tx),
  );
}

async function signInAdmin(context: BrowserContext, baseUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Mailbox' }).waitFor();
  return page;
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function openUserMenu(page: Page, item: string): Promise<void> {
  await page.getByRole('button', { name: /account menu/ }).click();
  const menu = page.locator('#user-menu-list');
  await menu.getByRole(item === 'Sign out' ? 'button' : 'link', { name: item }).click();
}

/**
 * Opens the newest email to `to` whose subject matches in the admin mailbox (emails leave after the
 * response, so it may take a moment to appear), and returns the link to `path` in its plain text.
 */
async function readLinkFromMailbox(admin: Page, to: string, subject: RegExp, path: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await admin.goto(new URL(`/admin/mailbox?to=${encodeURIComponent(to)}`, admin.url()).toString());
    await admin.getByRole('heading', { level: 1, name: 'Mailbox' }).waitFor();
    await admin.locator('.mail-list, .state').first().waitFor();
    const link = admin.getByRole('link', { name: subject }).first();
    if ((await link.count()) > 0) {
      await screenshot(admin, 'admin-mailbox-desktop');
      await link.click();
      break;
    }
    if (Date.now() > deadline) throw new Error(`No email to ${to} matching ${subject} within 15 s`);
    await admin.waitForTimeout(250);
  }
  await admin.getByRole('heading', { level: 1, name: subject }).waitFor();
  // The HTML part is shown in a sandboxed frame; the link is read from the plain-text part.
  const frame = admin.locator('iframe.mail-frame');
  expect(await frame.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
  const text = await admin.locator('pre.mail-text').textContent();
  const escaped = path.replace(/[/-]/g, '\\$&');
  const url = new RegExp(`https?://\\S+${escaped}\\?token=[A-Za-z0-9_-]+`).exec(text ?? '')?.[0];
  if (!url) throw new Error(`No ${path} link in the email's text:\n${text}`);
  return url;
}
