import { useQuery } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { AUTH_ROUTES } from '../../../contracts/auth.ts';
import { callRoute } from '../lib/api.ts';

function allTimeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

/** The browser's own time zone, the default for a new account. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function offsetLabel(zone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en', {
      timeZone: zone,
      timeZoneName: 'shortOffset',
    }).formatToParts(new Date());
    return parts.find((part) => part.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}

/**
 * IANA time-zone picker: a search box filters a list box of the zones the browser knows
 * (Intl.supportedValuesOf) that the server accepts (GET /api/auth/timezones). Both are labelled; the list is a native select, so keyboard use and
 * screen readers work as everywhere else.
 */
export function TimezonePicker({
  value,
  onChange,
  error,
  label = 'Time zone',
}: {
  value: string;
  onChange: (zone: string) => void;
  error?: string;
  label?: string;
}) {
  const id = useId();
  const [search, setSearch] = useState('');
  // The browser's list at once; then only the names the server accepts too (its database may lack a few).
  const accepted = useQuery({
    queryKey: ['timezones'],
    queryFn: ({ signal }) => callRoute(AUTH_ROUTES.timezones, { signal }),
    staleTime: Infinity,
  });
  const zones = useMemo(() => {
    const browser = allTimeZones();
    const server = accepted.data?.timezones;
    if (!server) return browser;
    const known = new Set(server);
    return browser.filter((zone) => known.has(zone));
  }, [accepted.data]);
  const filtered = useMemo(() => {
    const needle = search.trim().toLowerCase().replace(/\s+/g, '_');
    const matches = needle ? zones.filter((zone) => zone.toLowerCase().includes(needle)) : zones;
    // The current value stays selectable even when the search hides it.
    return matches.includes(value) || !value ? matches : [value, ...matches];
  }, [zones, search, value]);

  return (
    <fieldset className={error ? 'field fieldset field-invalid' : 'field fieldset'}>
      <legend className="field-label">{label}</legend>
      <label htmlFor={`${id}-search`} className="field-sublabel">
        Search time zones
      </label>
      <input
        id={`${id}-search`}
        className="input"
        type="search"
        value={search}
        placeholder="City or region, e.g. Paris"
        autoComplete="off"
        aria-controls={`${id}-list`}
        onChange={(event) => setSearch(event.target.value)}
      />
      <label htmlFor={`${id}-list`} className="field-sublabel">
        Time zone{' '}
        <span className="muted" aria-live="polite">
          ({filtered.length} {filtered.length === 1 ? 'match' : 'matches'})
        </span>
      </label>
      <select
        id={`${id}-list`}
        className="input select timezone-list"
        size={6}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-current${error ? ` ${id}-error` : ''}`}
        onChange={(event) => onChange(event.target.value)}
      >
        {filtered.map((zone) => (
          <option key={zone} value={zone}>
            {zone.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
      <p id={`${id}-current`} className="field-hint">
        Selected: <strong>{value || 'none'}</strong> {value && offsetLabel(value)}
      </p>
      {error && (
        <p id={`${id}-error`} className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
    </fieldset>
  );
}
