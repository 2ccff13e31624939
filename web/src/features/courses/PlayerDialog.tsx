import { useId, type ReactNode } from 'react';
import { Button } from '../../components/Button.tsx';
import { useModalDialog } from '../../components/Dialog.tsx';

/**
 * The landing page's modal player (preview lessons, the course's preview video): a native <dialog>,
 * so the browser traps focus, Escape closes it, and focus returns to the button that opened it.
 */
export function PlayerDialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useModalDialog(open);
  const titleId = useId();

  return (
    <dialog
      ref={ref}
      className="dialog player-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="player-header">
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        <Button variant="ghost" onClick={onClose} autoFocus aria-label={`Close ${title}`}>
          <span aria-hidden="true">✕</span>
        </Button>
      </div>
      {open ? children : null}
    </dialog>
  );
}

/** The native video player (keyboard-operable controls); uploaded videos are same-site /api/files URLs. */
export function PlayerVideo({ url, autoPlay = false }: { url: string; autoPlay?: boolean }) {
  return (
    <video className="player-video" src={url} controls preload="metadata" playsInline autoPlay={autoPlay}>
      <a href={url}>Download the video</a>
    </video>
  );
}
