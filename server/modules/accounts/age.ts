/** Calendar arithmetic for the age rule, in the user's own time zone. Pure: tests pass the clock. */

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export function parseCalendarDate(value: string): CalendarDate {
  const [year, month, day] = value.split('-').map(Number);
  return { year: year!, month: month!, day: day! };
}

/** Today's date where the user is (IANA time zone), at instant `now`. */
export function todayIn(timeZone: string, now: Date): CalendarDate {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/**
 * Whole years between a birth date and `today`. A 29 February birthday counts from 1 March in
 * years without one (the person is not yet older on 28 February).
 */
export function ageOn(birth: CalendarDate, today: CalendarDate): number {
  const hadBirthday = today.month > birth.month || (today.month === birth.month && today.day >= birth.day);
  return today.year - birth.year - (hadBirthday ? 0 : 1);
}

/** Whether someone born on `dateOfBirth` is at least `years` old today in `timeZone`. */
export function isAtLeast(years: number, dateOfBirth: string, timeZone: string, now: Date): boolean {
  return ageOn(parseCalendarDate(dateOfBirth), todayIn(timeZone, now)) >= years;
}
