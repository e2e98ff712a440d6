// The tariff editor: OCPI 2.2.1 elements (price components and restrictions), validated in the form, saved as
// a new tariff or a new version of one, with a price preview: the API's price-estimate at a station that uses
// the saved tariff, and for a new tariff or unsaved changes the API's price of the draft itself
// (POST /api/tariffs/preview, debounced) at one of the provider's connectors. Only a provider without any
// connector yet gets a client-side approximation, labelled as such.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { ErrorMessage, Loaded, Loading } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { kwh as kwhText, money, number } from "../format";
import {
  approximate,
  createBody,
  DAYS,
  DIMENSION_UNIT,
  DIMENSIONS,
  newComponent,
  newElement,
  previewBody,
  validate,
  versionBody,
  type ComponentDraft,
  type Dimension,
  type ElementDraft,
  type TariffDraft,
} from "./tariff";

type Station = Schemas["StationView"];

export interface TariffEditorProps {
  providerId: string;
  /** the tariff this draft becomes a new version of; absent: a new tariff */
  tariffId?: string;
  initial: TariffDraft;
  /** the provider's stations: those with this tariff get the API's estimate, drafts are priced at the first one */
  stations: Station[];
  onSaved?(result: { tariffId: string; version: number }): void;
  /** the clock of the approximation (tests) */
  now?: () => Date;
}

export function TariffEditor({ providerId, tariffId, initial, stations, onSaved, now = () => new Date() }: TariffEditorProps) {
  const api = useApi();
  const id = useId();
  const [draft, setDraft] = useState<TariffDraft>(initial);
  const [errors, setErrors] = useState<Map<string, string>>(new Map());
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const update = (change: (d: TariffDraft) => TariffDraft) => {
    setDraft((d) => change(structuredClone(d)));
    setDirty(true);
    setSaved(null);
  };
  const setElement = (i: number, change: (e: ElementDraft) => void) =>
    update((d) => {
      const element = d.elements[i];
      if (element) change(element);
      return d;
    });
  const setComponent = (i: number, j: number, change: (c: ComponentDraft) => void) =>
    setElement(i, (e) => {
      const component = e.components[j];
      if (component) change(component);
    });

  const fid = (key: string) => `${id}-${key}`;
  const err = (key: string) => errors.get(key);
  const invalid = (key: string) =>
    errors.has(key) ? { "aria-invalid": true as const, "aria-describedby": fid(`${key}-err`) } : {};
  const fieldError = (key: string) =>
    errors.has(key) ? (
      <span id={fid(`${key}-err`)} className="field-error">
        {err(key)}
      </span>
    ) : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaveError(null);
    const found = validate(draft, tariffId === undefined);
    setErrors(found);
    if (found.size > 0) {
      const first = [...found.keys()][0];
      const field = formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`);
      if (field) field.focus();
      else formRef.current?.querySelector<HTMLElement>(`[id="${fid(`${first}-err`)}"]`)?.closest("fieldset")?.querySelector<HTMLElement>("input, select")?.focus();
      return;
    }
    setSaving(true);
    try {
      if (tariffId === undefined) {
        const created = unwrap(
          await api.client.POST("/api/providers/{providerId}/tariffs", {
            params: { path: { providerId } },
            body: createBody(draft),
          }),
        );
        setSaved(`Tariff “${created.name}” created (version ${created.currentVersion}).`);
        onSaved?.({ tariffId: created.id, version: created.currentVersion });
      } else {
        const version = unwrap(
          await api.client.POST("/api/tariffs/{tariffId}/versions", {
            params: { path: { tariffId } },
            body: versionBody(draft),
          }),
        );
        setSaved(`Version ${version.version} saved; new sessions use it.`);
        onSaved?.({ tariffId, version: version.version });
      }
      setDirty(false);
    } catch (e) {
      setSaveError(errorText(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-labelledby={`${id}-h`} className="tariff-editor">
      <h2 id={`${id}-h`}>{tariffId ? "New version of the tariff" : "New tariff"}</h2>
      {errors.size > 0 && (
        <ErrorMessage>
          The tariff has {errors.size === 1 ? "one problem" : `${errors.size} problems`}; see the marked fields.
        </ErrorMessage>
      )}
      <div className="row">
        {tariffId === undefined && (
          <div className="field">
            <label htmlFor={fid("name")}>Tariff name</label>
            <input
              id={fid("name")}
              name="name"
              value={draft.name}
              maxLength={100}
              onChange={(e) => update((d) => ({ ...d, name: e.target.value }))}
              {...invalid("name")}
            />
            {fieldError("name")}
          </div>
        )}
        <div className="field">
          <label htmlFor={fid("currency")}>Currency</label>
          <input
            id={fid("currency")}
            name="currency"
            value={draft.currency}
            maxLength={3}
            onChange={(e) => update((d) => ({ ...d, currency: e.target.value.toUpperCase() }))}
            {...invalid("currency")}
          />
          {fieldError("currency")}
        </div>
      </div>
      {fieldError("elements")}

      {draft.elements.map((element, i) => (
        <fieldset key={i} className="card element">
          <legend>Price element {i + 1}</legend>
          {element.components.map((c, j) => {
            const k = `e${i}.c${j}`;
            return (
              <fieldset key={j} className="row component">
                <legend className="sr-only">
                  Element {i + 1}, component {j + 1}
                </legend>
                <div className="field">
                  <label htmlFor={fid(`${k}.type`)}>Element {i + 1} component {j + 1} type</label>
                  <select
                    id={fid(`${k}.type`)}
                    name={`${k}.type`}
                    value={c.type}
                    onChange={(e) => setComponent(i, j, (x) => void (x.type = e.target.value as Dimension))}
                  >
                    {DIMENSIONS.map((d) => (
                      <option key={d} value={d}>
                        {d} ({DIMENSION_UNIT[d]})
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={fid(`${k}.price`)}>Element {i + 1} component {j + 1} price excl. VAT</label>
                  <input
                    id={fid(`${k}.price`)}
                    name={`${k}.price`}
                    inputMode="decimal"
                    value={c.price}
                    onChange={(e) => setComponent(i, j, (x) => void (x.price = e.target.value))}
                    {...invalid(`${k}.price`)}
                  />
                  {fieldError(`${k}.price`)}
                </div>
                <div className="field">
                  <label htmlFor={fid(`${k}.vat`)}>Element {i + 1} component {j + 1} VAT %</label>
                  <input
                    id={fid(`${k}.vat`)}
                    name={`${k}.vat`}
                    inputMode="decimal"
                    value={c.vat}
                    onChange={(e) => setComponent(i, j, (x) => void (x.vat = e.target.value))}
                    {...invalid(`${k}.vat`)}
                  />
                  {fieldError(`${k}.vat`)}
                </div>
                <div className="field">
                  <label htmlFor={fid(`${k}.stepSize`)}>
                    Element {i + 1} component {j + 1} step ({c.type === "ENERGY" ? "Wh" : c.type === "FLAT" ? "–" : "seconds"})
                  </label>
                  <input
                    id={fid(`${k}.stepSize`)}
                    name={`${k}.stepSize`}
                    inputMode="numeric"
                    value={c.stepSize}
                    onChange={(e) => setComponent(i, j, (x) => void (x.stepSize = e.target.value))}
                    {...invalid(`${k}.stepSize`)}
                  />
                  {fieldError(`${k}.stepSize`)}
                </div>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => setElement(i, (e) => void e.components.splice(j, 1))}
                  aria-label={`Remove component ${j + 1} of element ${i + 1}`}
                >
                  Remove
                </button>
              </fieldset>
            );
          })}
          {fieldError(`e${i}.components`)}
          <button
            type="button"
            className="secondary"
            onClick={() => setElement(i, (e) => void e.components.push(newComponent("TIME")))}
          >
            Add price component to element {i + 1}
          </button>

          <fieldset className="restrictions">
            <legend>Element {i + 1} applies when (all optional)</legend>
            <div className="row">
              {(
                [
                  ["startTime", "From time (HH:MM)", "text"],
                  ["endTime", "Until time (HH:MM)", "text"],
                  ["minKwh", "Min. kWh", "decimal"],
                  ["maxKwh", "Max. kWh", "decimal"],
                  ["minDuration", "Min. duration (minutes)", "decimal"],
                  ["maxDuration", "Max. duration (minutes)", "decimal"],
                ] as const
              ).map(([key, label, mode]) => (
                <div className="field" key={key}>
                  <label htmlFor={fid(`e${i}.${key}`)}>
                    Element {i + 1} {label.charAt(0).toLowerCase() + label.slice(1)}
                  </label>
                  <input
                    id={fid(`e${i}.${key}`)}
                    name={`e${i}.${key}`}
                    inputMode={mode}
                    placeholder={mode === "text" ? "08:00" : undefined}
                    value={element[key]}
                    onChange={(e) => setElement(i, (x) => void (x[key] = e.target.value))}
                    {...invalid(`e${i}.${key}`)}
                  />
                  {fieldError(`e${i}.${key}`)}
                </div>
              ))}
            </div>
            <fieldset className="days">
              <legend>Element {i + 1} days of the week (none: every day)</legend>
              {DAYS.map((day) => (
                <label key={day} className="field check">
                  <input
                    type="checkbox"
                    checked={element.days.includes(day)}
                    onChange={(e) =>
                      setElement(i, (x) => {
                        x.days = e.target.checked ? [...x.days, day] : x.days.filter((d) => d !== day);
                      })
                    }
                  />
                  {day.charAt(0) + day.slice(1, 3).toLowerCase()}
                </label>
              ))}
            </fieldset>
          </fieldset>
          <button
            type="button"
            className="secondary"
            onClick={() => update((d) => ({ ...d, elements: d.elements.filter((_, n) => n !== i) }))}
          >
            Remove element {i + 1}
          </button>
        </fieldset>
      ))}
      <div className="toolbar">
        <button type="button" className="secondary" onClick={() => update((d) => ({ ...d, elements: [...d.elements, newElement()] }))}>
          Add price element
        </button>
        <button type="submit" disabled={saving}>
          {saving ? "Saving…" : tariffId ? "Save as new version" : "Create tariff"}
        </button>
      </div>
      {saveError && <ErrorMessage>{saveError}</ErrorMessage>}
      {saved && (
        <p className="status" role="status">
          {saved}
        </p>
      )}
      <PricePreview draft={draft} dirty={dirty || tariffId === undefined} tariffId={tariffId} stations={stations} now={now} />
    </form>
  );
}

function PricePreview({
  draft,
  dirty,
  tariffId,
  stations,
  now,
}: {
  draft: TariffDraft;
  dirty: boolean;
  tariffId?: string;
  stations: Station[];
  now: () => Date;
}) {
  const id = useId();
  const [kwh, setKwh] = useState("20");
  const [minutes, setMinutes] = useState("45");
  const priced = stations.filter((s) => (s.connectors ?? []).length > 0);
  const using = priced.filter((s) => tariffId !== undefined && s.tariffId === tariffId);
  // a draft is priced where the saved tariff is, else at the provider's first station with a connector
  const at = using[0] ?? priced[0];
  return (
    <section aria-labelledby={`${id}-h`} className="card preview">
      <h3 id={`${id}-h`}>Price preview</h3>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-kwh`}>Preview energy (kWh)</label>
          <input id={`${id}-kwh`} type="number" min={0} value={kwh} onChange={(e) => setKwh(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-min`}>Preview time (minutes)</label>
          <input id={`${id}-min`} type="number" min={0} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
        </div>
      </div>
      {using[0] && <ApiEstimate station={using[0]} kwh={kwh} minutes={minutes} />}
      {dirty && at && <DraftPreview station={at} draft={draft} kwh={kwh} minutes={minutes} />}
      {dirty && !at && <Approximation draft={draft} kwh={kwh} minutes={minutes} now={now} />}
    </section>
  );
}

const connectorKeyOf = (station: Station) => {
  const connector = (station.connectors ?? [])[0];
  return connector ? `${connector.chargerId}/${connector.connectorId}` : "";
};

/** `value`, once it has stayed the same for `ms` (by its JSON): the API is asked when typing pauses. */
function useSettled<T>(value: T, ms = 300): T | null {
  const key = JSON.stringify(value);
  const [settled, setSettled] = useState<{ key: string; value: T } | null>(null);
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => {
    const timer = setTimeout(() => setSettled({ key, value: latest.current }), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
  return settled?.value ?? null;
}

function DraftPreview({ station, draft, kwh, minutes }: { station: Station; draft: TariffDraft; kwh: string; minutes: string }) {
  const api = useApi();
  const connectorKey = connectorKeyOf(station);
  const problems = validate(draft, false).size;
  const amounts = Boolean(kwh.trim() || minutes.trim());
  const ready = problems === 0 && amounts;
  const body = useSettled(ready ? previewBody(draft, { stationId: station.id, connectorKey }, kwh, minutes) : null);
  const preview = useLoad(
    async () => (body ? unwrap(await api.client.POST("/api/tariffs/preview", { body })) : null),
    [api, JSON.stringify(body)],
  );
  return (
    <div aria-live="polite" data-testid="draft-preview">
      <h4>
        This draft at {station.name} ({connectorKey}), priced by the API
      </h4>
      {!ready ? (
        <p className="muted">
          {amounts
            ? `The draft has ${problems === 1 ? "one problem" : `${problems} problems`}; the API prices it once it is complete.`
            : "Give kWh or minutes to see the price."}
        </p>
      ) : (
        <Loaded load={preview} what="Asking the API for the draft's price">
          {(p) =>
            p ? (
              <>
                <p className="big" data-testid="draft-price">
                  {money(p.total.amount, p.total.currency)}
                </p>
                <p className="muted">
                  {money(p.cost.exclVat, p.cost.currency)} excl. VAT + {money(p.cost.vat, p.cost.currency)} VAT · {p.summary} ·{" "}
                  {kwhText(p.kwh)} in {p.minutes} min at {number(p.powerKw)} kW, starting now. Not saved yet.
                </p>
              </>
            ) : (
              <Loading what="Asking the API for the draft's price" />
            )
          }
        </Loaded>
      )}
    </div>
  );
}

function Approximation({ draft, kwh, minutes, now }: { draft: TariffDraft; kwh: string; minutes: string; now: () => Date }) {
  const approx = approximate(draft, Number(kwh) || 0, Number(minutes) || 0, now());
  const currency = /^[A-Z]{3}$/.test(draft.currency) ? draft.currency : "EUR";
  return (
    <div aria-live="polite" data-testid="approximation">
      <h4>Approximation of this draft (computed in your browser)</h4>
      <p className="big">{money(approx.total, currency)}</p>
      <p className="muted">
        {money(approx.exclVat, currency)} excl. VAT + {money(approx.vat, currency)} VAT, for a session starting now.
        Not the API&apos;s figure: it ignores element changes during the session, the connector&apos;s power (the
        API caps the kWh a session can reach in the time), parking time and min./max. price. None of your stations
        has a connector yet, so the API cannot price the draft.
      </p>
    </div>
  );
}

function ApiEstimate({ station, kwh, minutes }: { station: Station; kwh: string; minutes: string }) {
  const api = useApi();
  const connectorKey = connectorKeyOf(station);
  // wait until typing pauses before asking the API
  const query = useSettled({ kwh, minutes });
  const estimate = useLoad(
    async () =>
      query
        ? unwrap(
            await api.client.GET("/api/stations/{stationId}/price-estimate", {
              params: {
                path: { stationId: station.id },
                query: {
                  connectorKey,
                  kwh: query.kwh || undefined,
                  minutes: query.minutes ? Number(query.minutes) : undefined,
                },
              },
            }),
          )
        : null,
    [api, station.id, connectorKey, query?.kwh, query?.minutes],
  );
  return (
    <div aria-live="polite">
      <h4>
        Saved version at {station.name} ({connectorKey}), from the API
      </h4>
      <Loaded load={estimate} what="Asking the API for the price">
        {(e) =>
          e ? (
            <>
              <p className="big" data-testid="api-estimate">
                {money(e.total.amount, e.total.currency)}
              </p>
              <p className="muted">
                Version {e.tariffVersion}: {e.summary} · {kwhText(e.kwh)} in {e.minutes} min at {number(e.powerKw)} kW
              </p>
            </>
          ) : (
            <Loading what="Asking the API for the price" />
          )
        }
      </Loaded>
    </div>
  );
}
