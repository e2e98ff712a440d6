// Create or edit a station: name, address, position, time zone, access, state, opening hours (24/7 or regular
// hours per weekday, in the station's time zone), amenities and photos. Checked here as the API checks them;
// what the API still refuses is shown beside its field.
import { useState, type FormEvent } from "react";

import type { Bodies, Schemas } from "../api/client";
import { ErrorMessage } from "../components/Status";
import { useFieldErrors, type FieldErrors } from "./form";
import { validZone } from "./zoned";

type Lifecycle = "draft" | "active" | "maintenance";
export interface Period {
  begin: string;
  end: string;
}

export interface StationFields {
  name: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
  lat: string;
  lon: string;
  timeZone: string;
  access: "public" | "private";
  lifecycle: Lifecycle;
  twentyfourseven: boolean;
  /** Monday (index 0) to Sunday: the periods the station is open that day */
  hours: Period[][];
  amenities: string[];
  otherAmenities: string;
  /** one address a line */
  photos: string;
}

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
export const AMENITIES: [string, string][] = [
  ["WIFI", "Wi-Fi"],
  ["CAFE", "Café"],
  ["RESTROOM", "Toilets"],
  ["SUPERMARKET", "Supermarket"],
  ["SHOPPING", "Shopping"],
  ["HOTEL", "Hotel"],
  ["PARKING_LOT", "Parking lot"],
  ["PLAYGROUND", "Playground"],
];
const KNOWN = new Set(AMENITIES.map(([value]) => value));
const BEGIN = /^([01]\d|2[0-3]):[0-5]\d$/;
const END = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const LIFECYCLES: Record<Lifecycle, string> = {
  draft: "Draft (not on the map)",
  active: "Active",
  maintenance: "Maintenance (on the map, not chargeable)",
};
// the API's transitions: draft -> active <-> maintenance
const NEXT: Record<Lifecycle, Lifecycle[]> = {
  draft: ["draft", "active"],
  active: ["active", "maintenance"],
  maintenance: ["maintenance", "active"],
};

const noHours = (): Period[][] => WEEKDAYS.map(() => []);

export const blankStation: StationFields = {
  name: "",
  street: "",
  city: "",
  postalCode: "",
  country: "DE",
  lat: "",
  lon: "",
  timeZone: "Europe/Berlin",
  access: "public",
  lifecycle: "draft",
  twentyfourseven: true,
  hours: noHours(),
  amenities: [],
  otherAmenities: "",
  photos: "",
};

export function fieldsOf(s: Schemas["StationView"]): StationFields {
  const [lon, lat] = s.location.coordinates;
  const hours = noHours();
  for (const p of s.openingHours?.regularHours ?? []) hours[p.weekday - 1]?.push({ begin: p.periodBegin, end: p.periodEnd });
  const amenities = s.amenities ?? [];
  return {
    name: s.name,
    street: s.address.street,
    city: s.address.city,
    postalCode: s.address.postalCode,
    country: s.address.country,
    lat: String(lat ?? ""),
    lon: String(lon ?? ""),
    timeZone: s.timeZone,
    access: s.access,
    lifecycle: s.lifecycle === "retired" || s.lifecycle === undefined ? "draft" : s.lifecycle,
    twentyfourseven: s.openingHours?.twentyfourseven ?? true,
    hours,
    amenities: amenities.filter((a) => KNOWN.has(a)),
    otherAmenities: amenities.filter((a) => !KNOWN.has(a)).join(", "),
    photos: (s.photos ?? []).join("\n"),
  };
}

export const addressOf = (f: StationFields) => ({
  street: f.street.trim(),
  city: f.city.trim(),
  postalCode: f.postalCode.trim(),
  country: f.country.trim().toUpperCase(),
});
export const pointOf = (f: StationFields) => ({ type: "Point" as const, coordinates: [Number(f.lon), Number(f.lat)] as [number, number] });
export const openingHoursOf = (f: StationFields): Bodies["OpeningHoursInput"] =>
  f.twentyfourseven
    ? { twentyfourseven: true, regularHours: [] }
    : {
        twentyfourseven: false,
        regularHours: f.hours.flatMap((periods, day) =>
          periods.map((p) => ({ weekday: day + 1, periodBegin: p.begin.trim(), periodEnd: p.end.trim() })),
        ),
      };
const others = (f: StationFields) =>
  f.otherAmenities
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
export const amenitiesOf = (f: StationFields): string[] => [...new Set([...f.amenities, ...others(f)])];
export const photosOf = (f: StationFields): string[] =>
  f.photos
    .split("\n")
    .map((p) => p.trim())
    .filter(Boolean);

/** What the API would refuse, by field name of the form. */
export function validateStation(f: StationFields): FieldErrors {
  const found: FieldErrors = {};
  if (!f.name.trim()) found.name = "Give the station a name.";
  if (!f.street.trim()) found["address.street"] = "Give the street and number.";
  if (!f.postalCode.trim()) found["address.postalCode"] = "Give the postal code.";
  if (!f.city.trim()) found["address.city"] = "Give the city.";
  if (!/^[A-Za-z]{2}$/.test(f.country.trim())) found["address.country"] = "The country is two letters, e.g. DE.";
  const lat = Number(f.lat);
  const lon = Number(f.lon);
  if (!f.lat.trim() || Number.isNaN(lat) || Math.abs(lat) > 90) found.lat = "Latitude is a number from -90 to 90.";
  if (!f.lon.trim() || Number.isNaN(lon) || Math.abs(lon) > 180) found.lon = "Longitude is a number from -180 to 180.";
  if (!validZone(f.timeZone.trim())) found.timeZone = "Give an IANA time zone such as Europe/Berlin.";
  if (!f.twentyfourseven) {
    if (f.hours.every((periods) => periods.length === 0))
      found.twentyfourseven = "Give the hours of at least one day, or choose open 24/7.";
    f.hours.forEach((periods, day) =>
      periods.forEach((p, i) => {
        const key = `hours.${day}.${i}`;
        if (!BEGIN.test(p.begin.trim())) found[`${key}.begin`] = "Opening time is HH:MM, e.g. 08:00.";
        if (!END.test(p.end.trim())) found[`${key}.end`] = "Closing time is HH:MM, up to 24:00.";
        else if (BEGIN.test(p.begin.trim()) && p.begin.trim() >= p.end.trim())
          found[`${key}.end`] = "The station must close after it opens.";
      }),
    );
  }
  const amenities = amenitiesOf(f);
  if (others(f).some((a) => a.length > 40)) found.amenities = "Each amenity is at most 40 characters.";
  else if (amenities.length > 20) found.amenities = "At most 20 amenities.";
  const photos = photosOf(f);
  if (photos.length > 20) found.photos = "At most 20 photos.";
  else if (photos.some((p) => !/^https?:\/\/[^\s/]+\.[^\s]+$/.test(p))) found.photos = "Each photo is an http(s) address, one a line.";
  return found;
}

// API field paths -> the form's fields
function fieldOf(apiField: string): string | undefined {
  if (apiField.startsWith("location")) return "lat";
  if (apiField.startsWith("openingHours")) return "twentyfourseven";
  if (apiField.startsWith("amenities")) return "amenities";
  if (apiField.startsWith("photos")) return "photos";
  return apiField;
}

export function StationForm({
  initial,
  submitLabel,
  current,
  onSubmit,
}: {
  initial: StationFields;
  submitLabel: string;
  /** the station's state now, when editing: the form offers the states the API lets it move to */
  current?: Lifecycle;
  onSubmit(fields: StationFields): Promise<void>;
}) {
  const form = useFieldErrors();
  const { control, message, id } = form;
  const [f, setF] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const set = (change: Partial<StationFields>) => {
    setF((old) => ({ ...old, ...change }));
    setDone(null);
  };
  const setPeriods = (day: number, change: (periods: Period[]) => Period[]) =>
    setF((old) => ({ ...old, hours: old.hours.map((periods, d) => (d === day ? change(periods) : periods)) }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    if (form.check(validateStation(f))) return;
    setBusy(true);
    try {
      await onSubmit(f);
      setDone("Saved.");
    } catch (e) {
      setError(form.refused(e, { field: fieldOf }));
    } finally {
      setBusy(false);
    }
  }

  const text = (key: string, value: string, label: string, change: (v: string) => void, extra: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={id(key)}>{label}</label>
      <input {...control(key)} value={value} aria-required onChange={(e) => change(e.target.value)} {...extra} />
      {message(key)}
    </div>
  );

  return (
    <form ref={form.ref} onSubmit={submit} className="card station-form console-form" noValidate>
      <div className="row">
        {text("name", f.name, "Station name", (name) => set({ name }), { maxLength: 120 })}
        {text("address.street", f.street, "Street", (street) => set({ street }), { autoComplete: "street-address" })}
        {text("address.postalCode", f.postalCode, "Postal code", (postalCode) => set({ postalCode }))}
        {text("address.city", f.city, "City", (city) => set({ city }))}
        {text("address.country", f.country, "Country (2 letters)", (country) => set({ country }), { maxLength: 2 })}
        {text("lat", f.lat, "Latitude", (lat) => set({ lat }), { inputMode: "decimal" })}
        {text("lon", f.lon, "Longitude", (lon) => set({ lon }), { inputMode: "decimal" })}
        {text("timeZone", f.timeZone, "Time zone", (timeZone) => set({ timeZone }))}
        <div className="field">
          <label htmlFor={id("access")}>Access</label>
          <select {...control("access")} value={f.access} onChange={(e) => set({ access: e.target.value as StationFields["access"] })}>
            <option value="public">Public</option>
            <option value="private">Private</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={id("lifecycle")}>State</label>
          <select {...control("lifecycle")} value={f.lifecycle} onChange={(e) => set({ lifecycle: e.target.value as Lifecycle })}>
            {(current ? NEXT[current] : NEXT.draft).map((l) => (
              <option key={l} value={l}>
                {LIFECYCLES[l]}
              </option>
            ))}
          </select>
          {message("lifecycle")}
        </div>
      </div>

      <fieldset className="hours">
        <legend>Opening hours (in the station&apos;s time zone)</legend>
        <div className="field check">
          <input
            type="checkbox"
            {...control("twentyfourseven")}
            checked={f.twentyfourseven}
            onChange={(e) => set({ twentyfourseven: e.target.checked })}
          />
          <label htmlFor={id("twentyfourseven")}>Open 24/7</label>
        </div>
        {message("twentyfourseven")}
        {!f.twentyfourseven &&
          WEEKDAYS.map((day, d) => {
            const periods = f.hours[d] ?? [];
            return (
              <div key={day} className="weekday">
                <div className="field check">
                  <input
                    type="checkbox"
                    id={id(`open-${d}`)}
                    checked={periods.length > 0}
                    onChange={(e) => setPeriods(d, () => (e.target.checked ? [{ begin: "08:00", end: "20:00" }] : []))}
                  />
                  <label htmlFor={id(`open-${d}`)}>Open on {day}</label>
                </div>
                {periods.map((p, i) => {
                  const key = `hours.${d}.${i}`;
                  const which = i === 0 ? day : `${day}, period ${i + 1},`;
                  return (
                    <div key={i} className="row period">
                      <div className="field">
                        <label htmlFor={id(`${key}.begin`)}>{which} opens at (HH:MM)</label>
                        <input
                          {...control(`${key}.begin`)}
                          value={p.begin}
                          inputMode="numeric"
                          placeholder="08:00"
                          onChange={(e) => setPeriods(d, (ps) => ps.map((q, n) => (n === i ? { ...q, begin: e.target.value } : q)))}
                        />
                        {message(`${key}.begin`)}
                      </div>
                      <div className="field">
                        <label htmlFor={id(`${key}.end`)}>{which} closes at (HH:MM)</label>
                        <input
                          {...control(`${key}.end`)}
                          value={p.end}
                          inputMode="numeric"
                          placeholder="20:00"
                          onChange={(e) => setPeriods(d, (ps) => ps.map((q, n) => (n === i ? { ...q, end: e.target.value } : q)))}
                        />
                        {message(`${key}.end`)}
                      </div>
                      {i > 0 && (
                        <button type="button" className="secondary" onClick={() => setPeriods(d, (ps) => ps.filter((_, n) => n !== i))}>
                          Remove period {i + 1} on {day}
                        </button>
                      )}
                    </div>
                  );
                })}
                {periods.length > 0 && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => setPeriods(d, (ps) => [...ps, { begin: "", end: "" }])}
                  >
                    Add another period on {day}
                  </button>
                )}
              </div>
            );
          })}
      </fieldset>

      <fieldset>
        <legend>Amenities</legend>
        <div className="amenities">
          {AMENITIES.map(([value, label]) => (
            <div key={value} className="field check">
              <input
                type="checkbox"
                id={id(`amenity-${value}`)}
                checked={f.amenities.includes(value)}
                onChange={(e) =>
                  set({ amenities: e.target.checked ? [...f.amenities, value] : f.amenities.filter((a) => a !== value) })
                }
              />
              <label htmlFor={id(`amenity-${value}`)}>{label}</label>
            </div>
          ))}
        </div>
        <div className="field">
          <label htmlFor={id("amenities")}>Other amenities (comma-separated)</label>
          <input {...control("amenities")} value={f.otherAmenities} onChange={(e) => set({ otherAmenities: e.target.value })} />
          {message("amenities")}
        </div>
      </fieldset>

      <div className="field">
        <label htmlFor={id("photos")}>Photo addresses (one https URL a line)</label>
        <textarea {...control("photos")} value={f.photos} onChange={(e) => set({ photos: e.target.value })} />
        {message("photos")}
      </div>

      <button type="submit" disabled={busy}>
        {busy ? "Saving…" : submitLabel}
      </button>
      {error && <ErrorMessage>{error}</ErrorMessage>}
      {done && (
        <p className="status" role="status">
          {done}
        </p>
      )}
    </form>
  );
}
