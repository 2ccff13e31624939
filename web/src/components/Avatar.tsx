import { useState } from 'react';

/** A round picture, or the person's initials when there is none (or it fails to load). */
export function Avatar({ name, url, size = 40 }: { name: string; url: string | null; size?: number }) {
  const [failed, setFailed] = useState(false);
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word.charAt(0).toUpperCase())
    .join('');
  const style = { width: size, height: size, fontSize: size * 0.4 };
  if (url && !failed) {
    return <img className="avatar" src={url} alt="" style={style} onError={() => setFailed(true)} />;
  }
  return (
    <span className="avatar avatar-initials" style={style} aria-hidden="true">
      {initials || '?'}
    </span>
  );
}
