import { useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { MailboxItem } from '../../../../contracts/mail.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { EmptyState, ErrorState, LoadingState, QueryView } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import { Card, PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import { capitalize, formatDateTime } from '../../lib/format.ts';
import { useLiveInvalidation } from '../../lib/useRealtime.ts';
import { changesTopic } from '../../../../contracts/realtime.ts';
import { useMailbox, useMailboxMessage } from './admin.api.ts';

/** Every email the platform sent, newest first; filter by recipient. */
export function AdminMailboxPage() {
  useDocumentTitle('Mailbox');
  const [params, setParams] = useSearchParams();
  const to = params.get('to') ?? '';
  const [draft, setDraft] = useState(to);
  const mailbox = useMailbox(to);
  // Live: new mail appears without reloading (admins only; the server re-checks every message).
  useLiveInvalidation([changesTopic('mail_outbox')], [['admin', 'mailbox']]);
  const items = mailbox.data?.pages.flatMap((page) => page.items) ?? [];
  const filterInvalid = isApiError(mailbox.error, 'validation_failed');

  const handleFilter = (event: FormEvent) => {
    event.preventDefault();
    setParams(draft.trim() ? { to: draft.trim() } : {}, { replace: true });
  };

  return (
    <>
      <PageHeader title="Mailbox" lead="Every email the platform sent, as it was sent." />
      <form className="toolbar" role="search" onSubmit={handleFilter}>
        <TextField
          label="Recipient"
          type="email"
          placeholder="name@example.org"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          error={filterInvalid ? 'Enter a whole email address.' : undefined}
        />
        <Button type="submit" variant="secondary">
          Filter
        </Button>
        {to && (
          <Button
            variant="ghost"
            onClick={() => {
              setDraft('');
              setParams({}, { replace: true });
            }}
          >
            Show all
          </Button>
        )}
      </form>

      {mailbox.isPending ? (
        <LoadingState label="Loading emails…" />
      ) : mailbox.isError ? (
        filterInvalid ? null : (
          <ErrorState
            error={mailbox.error}
            title="The mailbox could not be loaded"
            onRetry={() => void mailbox.refetch()}
          />
        )
      ) : items.length === 0 ? (
        <EmptyState title={to ? `No emails to ${to}` : 'No emails yet'}>
          <p>Confirmations and password resets appear here once someone signs up.</p>
        </EmptyState>
      ) : (
        <>
          <ul className="mail-list" aria-label="Emails, newest first">
            {items.map((item) => (
              <MailRow key={item.id} item={item} />
            ))}
          </ul>
          {mailbox.hasNextPage && (
            <div className="load-more">
              <Button
                variant="secondary"
                busy={mailbox.isFetchingNextPage}
                onClick={() => void mailbox.fetchNextPage()}
              >
                Show older emails
              </Button>
            </div>
          )}
        </>
      )}
    </>
  );
}

function StatusBadge({ status }: { status: MailboxItem['status'] }) {
  const tone = status === 'sent' ? 'success' : status === 'failed' ? 'danger' : 'muted';
  return <span className={`badge badge-${tone}`}>{capitalize(status)}</span>;
}

function MailRow({ item }: { item: MailboxItem }) {
  return (
    <li className="mail-row">
      <Link to={`/admin/mailbox/${item.id}`} className="mail-subject stretched-link">
        {item.subject}
      </Link>
      <span className="mail-to">To {item.to}</span>
      <span className="mail-meta">
        <StatusBadge status={item.status} />
        <span className="muted small">{formatDateTime(item.createdAt)}</span>
      </span>
    </li>
  );
}

/**
 * The HTML part goes into a sandboxed frame with no script, no same-origin access and no forms:
 * emails are content we render, not code we trust. Links open in a new tab.
 */
function htmlDocument(html: string): string {
  const base = '<base target="_blank"><meta name="referrer" content="no-referrer">';
  return /<head[^>]*>/i.test(html)
    ? html.replace(/<head[^>]*>/i, (head) => `${head}${base}`)
    : `${base}${html}`;
}

export function AdminMessagePage() {
  const { id = '' } = useParams();
  const message = useMailboxMessage(id);
  useDocumentTitle(message.data?.subject ?? 'Email');

  return (
    <QueryView
      query={message}
      loading="Loading the email…"
      notFound={
        <EmptyState heading="h1" title="This email does not exist">
          <ButtonLink to="/admin/mailbox" variant="secondary">
            Back to the mailbox
          </ButtonLink>
        </EmptyState>
      }
    >
      {(mail) => {
        return (
          <>
            <p className="breadcrumb">
              <Link to="/admin/mailbox">Mailbox</Link> <span aria-hidden="true">›</span> Email
            </p>
            <PageHeader title={mail.subject} />
            <Card>
              <dl className="mail-facts">
                <div>
                  <dt>To</dt>
                  <dd>{mail.to}</dd>
                </div>
                <div>
                  <dt>Status</dt>
                  <dd>
                    <StatusBadge status={mail.status} /> by{' '}
                    {mail.transport === 'smtp' ? 'SMTP' : 'outbox only'}
                    {mail.attempts > 1 && ` after ${mail.attempts} attempts`}
                  </dd>
                </div>
                <div>
                  <dt>Created</dt>
                  <dd>{formatDateTime(mail.createdAt)}</dd>
                </div>
                <div>
                  <dt>Template</dt>
                  <dd>
                    <code>{mail.template}</code>
                  </dd>
                </div>
                {mail.lastError && (
                  <div>
                    <dt>Last error</dt>
                    <dd>{mail.lastError}</dd>
                  </div>
                )}
              </dl>
            </Card>
            <section aria-labelledby="html-part" className="mail-part">
              <h2 id="html-part">HTML</h2>
              <iframe
                className="mail-frame"
                title={`HTML part of “${mail.subject}”`}
                sandbox="allow-popups allow-popups-to-escape-sandbox"
                referrerPolicy="no-referrer"
                srcDoc={htmlDocument(mail.html)}
              />
            </section>
            <section aria-labelledby="text-part" className="mail-part">
              <h2 id="text-part">Plain text</h2>
              <pre className="mail-text" tabIndex={0} aria-labelledby="text-part">
                {mail.text}
              </pre>
            </section>
          </>
        );
      }}
    </QueryView>
  );
}
