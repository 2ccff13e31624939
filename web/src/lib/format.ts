/** Display formatting, in the visitor's locale. */

const locale = typeof navigator === 'undefined' ? 'en' : navigator.language;

/** 95 → "1 h 35 min"; 45 → "45 min". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** 754 → "12:34"; 3725 → "1:02:05". */
export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** Spoken form of a lesson duration: "12 minutes 34 seconds". */
export function describeSeconds(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  const parts = [
    m > 0 ? `${m} minute${m === 1 ? '' : 's'}` : '',
    s > 0 ? `${s} second${s === 1 ? '' : 's'}` : '',
  ];
  return parts.filter(Boolean).join(' ') || '0 seconds';
}

export function formatPrice(cents: number, accessType: 'free' | 'paid' | 'subscription'): string {
  if (accessType === 'free' || cents === 0)
    return accessType === 'subscription' ? 'With a subscription' : 'Free';
  const amount = new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' }).format(cents / 100);
  return accessType === 'subscription' ? `${amount} or with a subscription` : amount;
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatCount(n: number, one: string, many: string): string {
  return `${new Intl.NumberFormat(locale).format(n)} ${n === 1 ? one : many}`;
}

export function formatRating(average: number): string {
  return average.toFixed(1);
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
