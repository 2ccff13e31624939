/**
 * One value mapping for both engines, so code and tests never see engine differences:
 * bigint counts and numerics as JS numbers (money is integer cents, never numeric),
 * DATE as its 'YYYY-MM-DD' text (a learner's calendar day has no time zone).
 */
export const OID = { int8: 20, numeric: 1700, date: 1082 } as const;

export const parseNumeric = (value: string): number => Number(value);
export const parseDate = (value: string): string => value;
