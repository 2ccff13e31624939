import type { AuthoringCourse } from '../../../../contracts/authoring.ts';

const LOOK: Record<AuthoringCourse['status'], { label: string; tone: string }> = {
  draft: { label: 'Draft', tone: 'badge-muted' },
  published: { label: 'Published', tone: 'badge-success' },
  archived: { label: 'Archived', tone: 'badge-warning' },
};

/** A course's state in words (colour is never the only sign): Draft, Published, Archived, In the trash. */
export function StatusBadge({
  status,
  isTrashed,
}: {
  status: AuthoringCourse['status'];
  isTrashed: boolean;
}) {
  if (isTrashed) return <span className="badge badge-danger">In the trash</span>;
  const look = LOOK[status];
  return <span className={`badge ${look.tone}`}>{look.label}</span>;
}
