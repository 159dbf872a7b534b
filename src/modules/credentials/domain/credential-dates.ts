/**
 * Dates in a credential-update file, read in the format the admin chose. A cell from an XLSX date cell
 * arrives as YYYY-MM-DD whatever the sheet shows, and a four-digit year first cannot be misread, so
 * YYYY-MM-DD is accepted in every format; otherwise a value that does not fit the chosen format is an
 * error naming the value and the format (a wrong choice shows up as row errors in the review).
 */
export const DATE_FORMATS = ['dd-mm-yyyy', 'mm/dd/yyyy', 'yyyy-mm-dd', 'detect'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export type DateReading = { date: string } | { error: 'not-in-format' | 'ambiguous' | 'no-such-day' };

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
/** Day, month and year in any order with -, / or . between them and a four-digit year last. */
const YEAR_LAST = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/;

export function readDate(value: string, format: DateFormat): DateReading {
  const text = value.trim();
  const iso = ISO.exec(text);
  if (iso) return dateOf(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  if (format === 'yyyy-mm-dd') return { error: 'not-in-format' };
  const parts = YEAR_LAST.exec(text);
  if (!parts) return { error: 'not-in-format' };
  const [a, b, year] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (format === 'dd-mm-yyyy') return dateOf(year, b, a);
  if (format === 'mm/dd/yyyy') return dateOf(year, a, b);
  // detect: only what one reading allows (a day above 12 shows which one is the day).
  if (a > 12 && b <= 12) return dateOf(year, b, a);
  if (b > 12 && a <= 12) return dateOf(year, a, b);
  if (a === b) return dateOf(year, a, b);
  return { error: a > 12 && b > 12 ? 'no-such-day' : 'ambiguous' };
}

function dateOf(year: number, month: number, day: number): DateReading {
  if (month < 1 || month > 12 || day < 1 || year < 1900 || year > 9999) return { error: 'no-such-day' };
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return { error: 'no-such-day' };
  return { date: date.toISOString().slice(0, 10) };
}
