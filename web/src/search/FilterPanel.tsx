// The search filters, as a labelled form; every change is reported at once.
import { useId } from "react";

import { NO_FILTERS, STANDARDS, type SearchFilters } from "./filters";

export function FilterPanel({ value, onChange }: { value: SearchFilters; onChange(next: SearchFilters): void }) {
  const id = useId();
  const set = <K extends keyof SearchFilters>(key: K, v: SearchFilters[K]) => onChange({ ...value, [key]: v });
  return (
    <form className="filters" role="search" aria-label="Station filters" onSubmit={(e) => e.preventDefault()}>
      <div className="field">
        <label htmlFor={`${id}-q`}>Name, street or city</label>
        <input id={`${id}-q`} type="search" value={value.q} onChange={(e) => set("q", e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-standard`}>Connector</label>
        <select id={`${id}-standard`} value={value.standard} onChange={(e) => set("standard", e.target.value)}>
          <option value="">Any</option>
          {STANDARDS.map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-power`}>Min. power (kW)</label>
        <input
          id={`${id}-power`}
          type="number"
          inputMode="decimal"
          min={0}
          max={1000}
          value={value.minPowerKw}
          onChange={(e) => set("minPowerKw", e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-price`}>Max. price per kWh</label>
        <input
          id={`${id}-price`}
          type="number"
          inputMode="decimal"
          min={0}
          step="0.01"
          value={value.maxPricePerKwh}
          onChange={(e) => set("maxPricePerKwh", e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-rating`}>Min. rating</label>
        <select id={`${id}-rating`} value={value.minRating} onChange={(e) => set("minRating", e.target.value)}>
          <option value="">Any</option>
          {["3", "3.5", "4", "4.5"].map((r) => (
            <option key={r} value={r}>
              {r} ★ and up
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-reliability`}>Min. reliability</label>
        <select
          id={`${id}-reliability`}
          value={value.minReliability}
          onChange={(e) => set("minReliability", e.target.value)}
        >
          <option value="">Any</option>
          {["50", "70", "90"].map((r) => (
            <option key={r} value={r}>
              {r} and up
            </option>
          ))}
        </select>
      </div>
      <div className="field check">
        <input
          id={`${id}-available`}
          type="checkbox"
          checked={value.availableNow}
          onChange={(e) => set("availableNow", e.target.checked)}
        />
        <label htmlFor={`${id}-available`}>Available now</label>
      </div>
      <button type="button" className="secondary" onClick={() => onChange(NO_FILTERS)}>
        Clear filters
      </button>
    </form>
  );
}
