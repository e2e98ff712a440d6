// The tariff editor's draft: what the form holds (strings, as typed), its validation, the OCPI body it
// becomes (POST /api/providers/{id}/tariffs or /api/tariffs/{id}/versions), the body that asks the API to price
// it unsaved (POST /api/tariffs/preview), and a client-side price approximation, only for providers without a
// station to price at (the API's figure is the real one).
import type { Bodies, Schemas } from "../api/client";

export type Dimension = Schemas["TariffDimension"];
export type Day = Schemas["DayOfWeek"];
export const DIMENSIONS: Dimension[] = ["ENERGY", "TIME", "PARKING_TIME", "FLAT"];
export const DAYS: Day[] = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];

export const DIMENSION_UNIT: Record<Dimension, string> = {
  ENERGY: "per kWh",
  TIME: "per hour charging",
  PARKING_TIME: "per hour parked",
  FLAT: "per session",
};

export interface ComponentDraft {
  type: Dimension;
  price: string;
  vat: string;
  stepSize: string;
}

export interface ElementDraft {
  components: ComponentDraft[];
  startTime: string;
  endTime: string;
  days: Day[];
  minKwh: string;
  maxKwh: string;
  /** minutes in the form, seconds in OCPI */
  minDuration: string;
  maxDuration: string;
}

export interface TariffDraft {
  name: string;
  currency: string;
  elements: ElementDraft[];
}

export const newComponent = (type: Dimension = "ENERGY"): ComponentDraft => ({
  type,
  price: "",
  vat: "19",
  stepSize: "1",
});

export const newElement = (): ElementDraft => ({
  components: [newComponent()],
  startTime: "",
  endTime: "",
  days: [],
  minKwh: "",
  maxKwh: "",
  minDuration: "",
  maxDuration: "",
});

export const newDraft = (currency = "EUR"): TariffDraft => ({ name: "", currency, elements: [newElement()] });

/** A saved version back into the form. */
export function draftFrom(name: string, version: Schemas["TariffVersion"]): TariffDraft {
  const minutes = (s: number | null | undefined) => (s === null || s === undefined ? "" : String(s / 60));
  return {
    name,
    currency: version.currency,
    elements: version.elements.map((e) => ({
      components: e.priceComponents.map((c) => ({
        type: c.type,
        price: c.price,
        vat: c.vat ?? "",
        stepSize: String(c.stepSize ?? 1),
      })),
      startTime: e.restrictions?.startTime ?? "",
      endTime: e.restrictions?.endTime ?? "",
      days: [...(e.restrictions?.dayOfWeek ?? [])],
      minKwh: e.restrictions?.minKwh ?? "",
      maxKwh: e.restrictions?.maxKwh ?? "",
      minDuration: minutes(e.restrictions?.minDuration),
      maxDuration: minutes(e.restrictions?.maxDuration),
    })),
  };
}

const DECIMAL = /^\d+(\.\d+)?$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Field key -> message, in form order; keys are the inputs' names (`name`, `e0.c1.price`, ...). */
export function validate(draft: TariffDraft, needsName: boolean): Map<string, string> {
  const errors = new Map<string, string>();
  if (needsName && !draft.name.trim()) errors.set("name", "Give the tariff a name.");
  if (!/^[A-Z]{3}$/.test(draft.currency)) errors.set("currency", "Currency is a three-letter ISO code, e.g. EUR.");
  if (draft.elements.length === 0) errors.set("elements", "Add at least one price element.");
  draft.elements.forEach((e, i) => {
    const p = `e${i}`;
    if (e.components.length === 0) errors.set(`${p}.components`, "Add at least one price component.");
    e.components.forEach((c, j) => {
      const q = `${p}.c${j}`;
      if (!DECIMAL.test(c.price.trim())) errors.set(`${q}.price`, "Price must be a number of 0 or more, e.g. 0.39.");
      if (c.vat.trim() && (!DECIMAL.test(c.vat.trim()) || Number(c.vat) > 100))
        errors.set(`${q}.vat`, "VAT is a percentage from 0 to 100.");
      const step = Number(c.stepSize);
      if (!Number.isInteger(step) || step < 1 || step > 86400)
        errors.set(`${q}.stepSize`, "Step size is a whole number from 1 to 86400.");
    });
    for (const key of ["startTime", "endTime"] as const) {
      if (e[key] && !TIME.test(e[key])) errors.set(`${p}.${key}`, "Time of day is HH:MM, e.g. 08:00.");
    }
    if (Boolean(e.startTime) !== Boolean(e.endTime))
      errors.set(`${p}.endTime`, "Give both a start and an end time, or neither.");
    for (const key of ["minKwh", "maxKwh", "minDuration", "maxDuration"] as const) {
      if (e[key].trim() && !DECIMAL.test(e[key].trim())) errors.set(`${p}.${key}`, "Must be a number of 0 or more.");
    }
    if (e.minKwh && e.maxKwh && Number(e.minKwh) >= Number(e.maxKwh))
      errors.set(`${p}.maxKwh`, "Max. kWh must be more than min. kWh.");
    if (e.minDuration && e.maxDuration && Number(e.minDuration) >= Number(e.maxDuration))
      errors.set(`${p}.maxDuration`, "Max. duration must be more than min. duration.");
  });
  // the API's rule (tariff_missing_fallback): every dimension priced under restrictions needs an element without
  // restrictions that prices it too, after the restricted ones
  draft.elements.forEach((e, i) => {
    if (!restricted(e)) return;
    const missing = e.components
      .map((c) => c.type)
      .filter((type) => !draft.elements.some((f, n) => n > i && !restricted(f) && f.components.some((c) => c.type === type)));
    if (missing.length && !errors.has(`e${i}.components`))
      errors.set(
        `e${i}.components`,
        `${[...new Set(missing)].join(", ")} needs an element without restrictions after this one to fall back on (price 0 if it is free otherwise).`,
      );
  });
  return errors;
}

function restricted(e: ElementDraft): boolean {
  return Boolean(e.startTime || e.endTime || e.days.length || e.minKwh || e.maxKwh || e.minDuration || e.maxDuration);
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);
const secondsOrNull = (minutes: string) => (minutes.trim() ? Math.round(Number(minutes) * 60) : null);

function restrictions(e: ElementDraft): Bodies["TariffRestrictionsInput"] | null {
  const r: Bodies["TariffRestrictionsInput"] = {
    startTime: orNull(e.startTime),
    endTime: orNull(e.endTime),
    startDate: null,
    endDate: null,
    minKwh: orNull(e.minKwh),
    maxKwh: orNull(e.maxKwh),
    minCurrent: null,
    maxCurrent: null,
    minPower: null,
    maxPower: null,
    minDuration: secondsOrNull(e.minDuration),
    maxDuration: secondsOrNull(e.maxDuration),
    dayOfWeek: DAYS.filter((d) => e.days.includes(d)),
    reservation: null,
  };
  const empty = Object.values(r).every((v) => v === null || (Array.isArray(v) && v.length === 0));
  return empty ? null : r;
}

/** The body of POST /api/tariffs/{id}/versions (and, with the name, of POST /api/providers/{id}/tariffs). */
export function versionBody(draft: TariffDraft): Bodies["TariffVersionCreate"] {
  return {
    currency: draft.currency,
    elements: draft.elements.map((e) => ({
      priceComponents: e.components.map((c) => ({
        type: c.type,
        price: c.price.trim(),
        vat: orNull(c.vat),
        stepSize: Number(c.stepSize),
      })),
      restrictions: restrictions(e),
    })),
    minPrice: null,
    maxPrice: null,
    tariffAltText: [],
    tariffAltUrl: null,
  };
}

export function createBody(draft: TariffDraft): Bodies["TariffCreate"] {
  return { ...versionBody(draft), name: draft.name.trim() };
}

/**
 * The body of POST /api/tariffs/preview: the draft as a version body, priced at one of the provider's connectors
 * for the kWh and minutes typed (either may be empty), starting now.
 */
export function previewBody(
  draft: TariffDraft,
  at: { stationId: string; connectorKey: string },
  kwh: string,
  minutes: string,
): Bodies["TariffPreviewRequest"] {
  return {
    tariff: versionBody(draft),
    stationId: at.stationId,
    connectorKey: at.connectorKey,
    kwh: kwh.trim() ? kwh.trim() : null,
    minutes: minutes.trim() ? Number(minutes) : null,
    startAt: null,
  };
}

export interface Approximation {
  exclVat: number;
  vat: number;
  total: number;
}

function applies(e: ElementDraft, kwh: number, minutes: number, at: Date): boolean {
  const day = DAYS[(at.getDay() + 6) % 7];
  if (e.days.length && day && !e.days.includes(day)) return false;
  if (e.startTime && e.endTime) {
    const now = at.getHours() * 60 + at.getMinutes();
    const clock = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    const start = clock(e.startTime);
    const end = clock(e.endTime);
    const inside = start <= end ? now >= start && now < end : now >= start || now < end;
    if (!inside) return false;
  }
  if (e.minKwh && kwh < Number(e.minKwh)) return false;
  if (e.maxKwh && kwh >= Number(e.maxKwh)) return false;
  if (e.minDuration && minutes < Number(e.minDuration)) return false;
  if (e.maxDuration && minutes >= Number(e.maxDuration)) return false;
  return true;
}

/**
 * A rough price of a draft in the browser: for each dimension the first element whose restrictions hold for
 * the whole session at its start (OCPI switches elements mid-session; the API does, this does not), quantities
 * rounded up to the step size, no parking time, no min/max price. Labelled as an approximation in the UI.
 */
export function approximate(draft: TariffDraft, kwh: number, minutes: number, at: Date): Approximation {
  const seen = new Set<Dimension>();
  let exclVat = 0;
  let vat = 0;
  for (const e of draft.elements) {
    if (!applies(e, kwh, minutes, at)) continue;
    for (const c of e.components) {
      if (seen.has(c.type)) continue;
      seen.add(c.type);
      const step = Math.max(1, Number(c.stepSize) || 1);
      const price = Number(c.price) || 0;
      let amount = 0;
      if (c.type === "ENERGY") amount = (Math.ceil((kwh * 1000) / step) * step * price) / 1000;
      if (c.type === "TIME") amount = (Math.ceil((minutes * 60) / step) * step * price) / 3600;
      if (c.type === "FLAT") amount = price;
      exclVat += amount;
      vat += (amount * (Number(c.vat) || 0)) / 100;
    }
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return { exclVat: round(exclVat), vat: round(vat), total: round(exclVat + vat) };
}
