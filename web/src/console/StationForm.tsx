// Create or edit a station's core data: name, address, position, time zone, lifecycle.
import { useId, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { errorText } from "../api/problem";
import { ErrorMessage } from "../components/Status";

export interface StationFields {
  name: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
  lat: string;
  lon: string;
  timeZone: string;
  lifecycle: "draft" | "active" | "maintenance";
}

export const blankStation: StationFields = {
  name: "",
  street: "",
  city: "",
  postalCode: "",
  country: "DE",
  lat: "",
  lon: "",
  timeZone: "Europe/Berlin",
  lifecycle: "draft",
};

export function fieldsOf(s: Schemas["StationView"]): StationFields {
  const [lon, lat] = s.location.coordinates;
  return {
    name: s.name,
    street: s.address.street,
    city: s.address.city,
    postalCode: s.address.postalCode,
    country: s.address.country,
    lat: String(lat ?? ""),
    lon: String(lon ?? ""),
    timeZone: s.timeZone,
    lifecycle: s.lifecycle === "retired" || s.lifecycle === undefined ? "draft" : s.lifecycle,
  };
}

export function StationForm({
  initial,
  submitLabel,
  allowMaintenance,
  onSubmit,
}: {
  initial: StationFields;
  submitLabel: string;
  allowMaintenance?: boolean;
  onSubmit(fields: StationFields): Promise<void>;
}) {
  const id = useId();
  const [f, setF] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    const lat = Number(f.lat);
    const lon = Number(f.lon);
    if (!f.lat || !f.lon || Number.isNaN(lat) || Number.isNaN(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      setError("Latitude is a number from -90 to 90 and longitude from -180 to 180.");
      return;
    }
    setBusy(true);
    try {
      await onSubmit(f);
      setDone("Saved.");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const text = (key: keyof StationFields, label: string, extra: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        value={f[key]}
        required
        onChange={(e) => setF({ ...f, [key]: e.target.value })}
        {...extra}
      />
    </div>
  );

  return (
    <form onSubmit={submit} className="card">
      <div className="row">
        {text("name", "Station name", { maxLength: 120 })}
        {text("street", "Street")}
        {text("postalCode", "Postal code")}
        {text("city", "City")}
        {text("country", "Country (2 letters)", { maxLength: 2, minLength: 2 })}
        {text("lat", "Latitude", { inputMode: "decimal" })}
        {text("lon", "Longitude", { inputMode: "decimal" })}
        {text("timeZone", "Time zone")}
        <div className="field">
          <label htmlFor={`${id}-lifecycle`}>State</label>
          <select
            id={`${id}-lifecycle`}
            value={f.lifecycle}
            onChange={(e) => setF({ ...f, lifecycle: e.target.value as StationFields["lifecycle"] })}
          >
            <option value="draft">Draft (not on the map)</option>
            <option value="active">Active</option>
            {allowMaintenance && <option value="maintenance">Maintenance</option>}
          </select>
        </div>
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

export const addressOf = (f: StationFields) => ({
  street: f.street.trim(),
  city: f.city.trim(),
  postalCode: f.postalCode.trim(),
  country: f.country.trim().toUpperCase(),
});
export const pointOf = (f: StationFields) => ({ type: "Point" as const, coordinates: [Number(f.lon), Number(f.lat)] as [number, number] });
