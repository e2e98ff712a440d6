// Numbers, money and dates in the reader's locale (Intl), never hand-formatted.
const locale = (): string | undefined => (typeof navigator !== "undefined" ? navigator.language : undefined);

/** Money from the API: amounts are decimal strings in the currency's major unit. */
export function money(amount: string | number | null | undefined, currency: string): string {
  if (amount === null || amount === undefined || amount === "") return "–";
  return new Intl.NumberFormat(locale(), { style: "currency", currency }).format(Number(amount));
}

export function number(value: string | number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || value === "") return "–";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(
    Number(value),
  );
}

export function kwh(value: string | number | null | undefined): string {
  return value === null || value === undefined ? "–" : `${number(value, 2)} kWh`;
}

export function kw(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : `${number(value, 1)} kW`;
}

export function percent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: digits }).format(value);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function date(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(new Date(iso));
}

/** A time of day to the second: a point on a session's curve. */
export function time(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(locale(), { timeStyle: "medium" }).format(new Date(iso));
}

/** 3725 -> "1:02:05" */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(rest)}` : `${m}:${two(rest)}`;
}

export function distance(metres: number): string {
  return metres < 1000
    ? `${number(metres, 0)} m`
    : new Intl.NumberFormat(locale(), { style: "unit", unit: "kilometer", maximumFractionDigits: 1 }).format(
        metres / 1000,
      );
}
