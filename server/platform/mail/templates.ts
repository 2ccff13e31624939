import { z } from 'zod';
import {
  assertOwnLink,
  renderLayout,
  type MailBlock,
  type MailContent,
  type MailContext,
  type RenderedMail,
} from './layout.ts';

/**
 * The template registry: every email the product sends, with the data it needs (zod-checked at
 * send time) and its words. Templates return blocks of plain text and links; layout.ts turns them
 * into escaped HTML and the plain-text part, so no template writes markup.
 */

/** A name as a person typed it, on one line: a newline in the text part could fake a paragraph or a link. */
const personName = z
  .string()
  .transform((value) => value.replace(/[\s\p{Cc}\u202A-\u202E\u2066-\u2069]+/gu, ' ').trim())
  .pipe(z.string().max(100))
  .nullish();
/** A link carrying a token. It must also point under PUBLIC_URL (checked when rendering). */
const link = z.url({ protocol: /^https?$/ }).max(2000);
const emailAddress = z.email().max(320);
/** A moment, as a Date or an ISO 8601 string with an offset (job payloads carry strings). */
const instant = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((value) => new Date(value));

interface TemplateDefinition<S extends z.ZodType> {
  schema: S;
  content(data: z.output<S>, context: MailContext): MailContent;
}

function defineTemplate<S extends z.ZodType>(
  schema: S,
  content: (data: z.output<S>, context: MailContext) => MailContent,
): TemplateDefinition<S> {
  return { schema, content };
}

const greeting = (name: string | null | undefined): MailBlock => ({
  kind: 'paragraph',
  text: name ? `Hi ${name},` : 'Hi,',
});

const hours = (n: number) => `${n} hour${n === 1 ? '' : 's'}`;
const minutes = (n: number) => `${n} minute${n === 1 ? '' : 's'}`;
/** UTC, to the minute: the recipient's timezone is not known to the mailer. */
const utc = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const MAIL_TEMPLATES = {
  /** Sent on sign-up: proves the address belongs to the person who signed up. */
  email_confirmation: defineTemplate(
    z
      .object({
        displayName: personName,
        confirmUrl: link,
        expiresInHours: z.number().int().min(1).max(720).default(24),
      })
      .strict(),
    (data, { productName }) => ({
      subject: `Confirm your email address for ${productName}`,
      heading: 'Confirm your email address',
      blocks: [
        greeting(data.displayName),
        {
          kind: 'paragraph',
          text: `Welcome to ${productName}! To finish creating your account, confirm that this email address is yours.`,
        },
        { kind: 'action', label: 'Confirm email address', url: data.confirmUrl },
        {
          kind: 'note',
          text: `This link expires in ${hours(data.expiresInHours)}. If you did not create an account, ignore this email.`,
        },
      ],
    }),
  ),

  /** Sent when someone asks to reset the password of the account with this address. */
  password_reset: defineTemplate(
    z
      .object({
        displayName: personName,
        resetUrl: link,
        expiresInMinutes: z.number().int().min(1).max(1440).default(60),
      })
      .strict(),
    (data, { productName }) => ({
      subject: `Reset your ${productName} password`,
      heading: 'Reset your password',
      blocks: [
        greeting(data.displayName),
        {
          kind: 'paragraph',
          text: `Someone, hopefully you, asked to reset the password of your ${productName} account. Choose a new password with the button below.`,
        },
        { kind: 'action', label: 'Choose a new password', url: data.resetUrl },
        {
          kind: 'note',
          text: `This link expires in ${minutes(data.expiresInMinutes)} and works once. If you did not ask for it, ignore this email: your password stays as it is.`,
        },
      ],
    }),
  ),

  /** Sent to the NEW address of an email change: the change completes only when it is confirmed. */
  email_change_confirmation: defineTemplate(
    z
      .object({
        displayName: personName,
        newEmail: emailAddress,
        confirmUrl: link,
        expiresInHours: z.number().int().min(1).max(720).default(24),
      })
      .strict(),
    (data, { productName }) => ({
      subject: `Confirm your new email address for ${productName}`,
      heading: 'Confirm your new email address',
      blocks: [
        greeting(data.displayName),
        {
          kind: 'paragraph',
          text: `You asked to change the email address of your ${productName} account to ${data.newEmail}. Confirm that this address is yours to complete the change.`,
        },
        { kind: 'action', label: 'Confirm new address', url: data.confirmUrl },
        {
          kind: 'note',
          text: `This link expires in ${hours(data.expiresInHours)}. If you did not ask for this change, ignore this email: the account keeps its current address.`,
        },
      ],
    }),
  ),

  /** Sent to the OLD address once the email of an account changed, so a takeover does not go unnoticed. */
  email_changed_notice: defineTemplate(
    z
      .object({
        displayName: personName,
        newEmail: emailAddress,
        changedAt: instant,
        /** Where to go if the change was not theirs (password reset, support page). */
        secureAccountUrl: link.optional(),
      })
      .strict(),
    (data, { productName }) => ({
      subject: `Your ${productName} email address was changed`,
      heading: 'Your email address was changed',
      blocks: [
        greeting(data.displayName),
        {
          kind: 'paragraph',
          text: `On ${utc(data.changedAt)} the email address of your ${productName} account was changed to ${data.newEmail}. Sign-in and account emails now go to that address, not this one.`,
        },
        {
          kind: 'note',
          text: 'If you did not make this change, someone else may have access to your account: secure it now and contact the administrators.',
        },
        ...(data.secureAccountUrl
          ? [{ kind: 'action' as const, label: 'Secure your account', url: data.secureAccountUrl }]
          : []),
      ],
    }),
  ),

  /**
   * Sent instead of a confirmation when someone signs up with an address that already has an
   * account: the sign-up answers the same either way (no account enumeration), and the owner learns
   * of the attempt and how to get back in.
   */
  sign_up_attempt_notice: defineTemplate(
    z
      .object({
        displayName: personName,
        resetPasswordUrl: link,
      })
      .strict(),
    (data, { productName }) => ({
      subject: `Someone tried to create a ${productName} account with your address`,
      heading: 'You already have an account',
      blocks: [
        greeting(data.displayName),
        {
          kind: 'paragraph',
          text: `Someone, maybe you, tried to create a new ${productName} account with this email address. This address already has an account, so no new one was created.`,
        },
        {
          kind: 'paragraph',
          text: 'If you remember your password, just sign in. If not, choose a new one:',
        },
        { kind: 'action', label: 'Reset your password', url: data.resetPasswordUrl },
        {
          kind: 'note',
          text: 'If this was not you, you can ignore this email: nothing changed in your account.',
        },
      ],
    }),
  ),

  /** Sent after the password of an account changed (reset or changed while signed in). */
  password_changed_notice: defineTemplate(
    z
      .object({
        displayName: personName,
        changedAt: instant,
        /** Where to reset the password if the change was not theirs. */
        resetPasswordUrl: link.optional(),
      })
      .strict(),
    (data, { productName }) => ({
      subject: `Your ${productName} password was changed`,
      heading: 'Your password was changed',
      blocks: [
        greeting(data.displayName),
        {
          kind: 'paragraph',
          text: `The password of your ${productName} account was changed on ${utc(data.changedAt)}. If you made this change, there is nothing else to do.`,
        },
        {
          kind: 'note',
          text: 'If you did not make this change, reset your password now and contact the administrators.',
        },
        ...(data.resetPasswordUrl
          ? [{ kind: 'action' as const, label: 'Reset your password', url: data.resetPasswordUrl }]
          : []),
      ],
    }),
  ),

  /** Sent when a subscription renewal could not be charged: access continues until the period ends. */
  payment_failed: defineTemplate(
    z
      .object({
        displayName: personName,
        planName: z.string().min(1).max(120),
        accessUntil: instant,
        billingUrl: link,
      })
      .strict(),
    (data, { productName }) => ({
      subject: `We could not renew your ${productName} subscription`,
      heading: 'Your payment did not go through',
      blocks: [
        greeting(data.displayName),
        {
          kind: 'paragraph',
          text: `We tried to charge the renewal of your ${data.planName} subscription, and the payment failed. You keep access until ${utc(data.accessUntil)}.`,
        },
        { kind: 'action', label: 'Update your payment method', url: data.billingUrl },
        {
          kind: 'note',
          text: 'We will try again automatically. If the payment keeps failing, your subscription ends when the paid period does.',
        },
      ],
    }),
  ),
} as const;

export type MailTemplateName = keyof typeof MAIL_TEMPLATES;
export const MAIL_TEMPLATE_NAMES = Object.keys(MAIL_TEMPLATES) as MailTemplateName[];

/** What a caller passes as `data` for a template (defaults not yet applied). */
export type MailTemplateData<N extends MailTemplateName> = z.input<(typeof MAIL_TEMPLATES)[N]['schema']>;

/** The data does not fit the template (a programming error in the caller: nothing was stored or sent). */
export class MailDataError extends Error {
  override name = 'MailDataError';
  constructor(
    message: string,
    /** Where and what, never the values (they may be tokens). */
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/**
 * Validates `data` against the template and renders the subject, HTML and plain text. Throws
 * MailDataError for an unknown template or data that does not fit, and MailLinkError for a link
 * outside PUBLIC_URL.
 */
export function renderMail<N extends MailTemplateName>(
  template: N,
  data: MailTemplateData<N>,
  context: MailContext,
): RenderedMail {
  if (!Object.hasOwn(MAIL_TEMPLATES, template)) {
    throw new MailDataError(`Unknown mail template "${String(template).slice(0, 64)}".`);
  }
  const definition = MAIL_TEMPLATES[template] as TemplateDefinition<z.ZodType>;
  const parsed = definition.schema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: ['data', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new MailDataError(
      `Mail template "${template}": ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const content = definition.content(parsed.data, context);
  for (const block of content.blocks) if (block.kind === 'action') assertOwnLink(block.url, context);
  return renderLayout(content, context);
}
