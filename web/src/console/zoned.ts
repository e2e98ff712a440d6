// Wall-clock times in a named IANA time zone. A station's maintenance windows and featured period are typed and
// shown in the station's own time zone (the one its opening hours are in), whatever the browser's is; promo
// codes, which are provider-wide, use the browser's. The API takes and answers instants (UTC, ISO 8601).
const locale = (): string | undefined => (typeof navigator !== "undefined" ? navigator.language : undefined);

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function validZone(timeZone: string): boolean {
  if (!timeZone.trim()) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `instant`, as milliseconds of a UTC date with the same fields. */
function wallClock(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * "2030-05-01T10:00" (a datetime-local value) read in `timeZone` -> "2030-05-01T08:00:00.000Z"; null when it is
 * not a date and time. A time that does not exist (the hour skipped in spring) moves forward by the gap.
 */
export function localToIso(local: string, timeZone: string): string | null {
  const m = LOCAL.exec(local.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const naive = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(naive) || new Date(naive).getUTCDate() !== Number(d)) return null;
  let guess = naive - (wallClock(naive, timeZone) - naive);
  const offset = wallClock(guess, timeZone) - guess;
  if (naive - offset !== guess) guess = naive - offset;
  return new Date(guess).toISOString();
}

/** An instant -> the datetime-local value ("YYYY-MM-DDTHH:MM") it is in `timeZone`. */
export function isoToLocal(iso: string, timeZone: string): string {
  return new Date(wallClock(new Date(iso).getTime(), timeZone)).toISOString().slice(0, 16);
}

/** An instant as people read it in `timeZone` ("1 May 2030, 10:00"): like format.ts's dateTime, in that zone. */
export function zonedDateTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}
