// The provider's promo codes (GET/POST /api/providers/{id}/promo-codes, PATCH .../{code}): uses, limits,
// validity and status of each; provider admins create codes (percent or a fixed amount in the provider's
// currency), change their validity, limits and stations, and deactivate or reactivate them. Staff only read.
// Validity is typed and shown in the browser's time zone (the codes are provider-wide, not a station's).
import { useRef, useState, type FormEvent } from "react";

import type { Bodies, Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { PageButtons, usePages } from "../components/Pager";
import { dateTime, money, percent } from "../format";
import { useFieldErrors, wholeNumber, type FieldErrors, type FieldErrorsApi } from "./form";
import { useRefreshable } from "./useRefreshable";
import { browserZone, isoToLocal, localToIso } from "./zoned";
import { providerStations } from "./stations";

type Promo = Schemas["PromoCode"];
type StationRef = { id: string; name: string };
const DAY = 24 * 3600 * 1000;
const CODE = /^[A-Z0-9-]{4,20}$/;
const AMOUNT = /^\d{1,8}(\.\d{1,4})?$/;
const CODES = {
  promo_period_invalid: "validUntil",
  promo_limits_invalid: "perDriverLimit",
  unknown_station: "stationIds",
  promo_code_taken: "code",
};

export function promoStatus(p: Promo, now: Date): string {
  if (!p.active) return "Deactivated";
  if (now < new Date(p.validFrom)) return "Not yet valid";
  if (now >= new Date(p.validUntil)) return "Expired";
  if (p.maxUses !== null && p.uses >= p.maxUses) return "Used up";
  return "Active";
}

export const discountText = (p: { kind: Promo["kind"]; percent: number | null; amount: string | null }, currency: string) =>
  p.kind === "percent" ? `${percent((p.percent ?? 0) / 100)} off` : `${money(p.amount, currency)} off`;

export function PromoCodesPanel({ providerId, admin, now = () => new Date() }: { providerId: string; admin: boolean; now?: () => Date }) {
  const api = useApi();
  const pages = usePages();
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const token = pages.token;
  const opener = useRef<HTMLButtonElement>(null);
  const context = useLoad(async () => {
    const [provider, stations] = await Promise.all([
      api.client.GET("/api/providers/{providerId}", { params: { path: { providerId } } }),
      providerStations(api, providerId),
    ]);
    return {
      currency: unwrap(provider).currency,
      stations: stations
        .filter((s) => s.lifecycle !== "retired")
        .map((s) => ({ id: s.id, name: s.name })),
    };
  }, [api, providerId]);
  const codes = useRefreshable(
    async () =>
      unwrap(
        await api.client.GET("/api/providers/{providerId}/promo-codes", {
          params: { path: { providerId }, query: { limit: 50, continuationToken: token ?? undefined } },
        }),
      ),
    [api, providerId, token],
  );
  const reload = (text: string) => {
    setNotice(text);
    codes.refresh().catch(() => codes.reload());
  };

  return (
    <section aria-labelledby="promo-h">
      <h2 id="promo-h">Promo codes</h2>
      {notice && (
        <p className="status" role="status">
          {notice}
        </p>
      )}
      <Loaded load={context} what="Loading your account">
        {({ currency, stations }) => (
          <>
            {admin && (
              <button
                ref={opener}
                type="button"
                aria-expanded={creating}
                onClick={() => {
                  setCreating(!creating);
                  setNotice(null);
                }}
              >
                {creating ? "Close the new promo code form" : "New promo code"}
              </button>
            )}
            {admin && creating && (
              <NewPromo
                providerId={providerId}
                currency={currency}
                stations={stations}
                now={now}
                onCreated={(p) => {
                  setCreating(false);
                  opener.current?.focus();
                  reload(`Promo code ${p.code} created.`);
                }}
              />
            )}
            <Loaded load={codes} what="Loading promo codes">
              {(page) => (
                <>
                  {page.items.length === 0 ? (
                    <Empty>No promo codes yet.</Empty>
                  ) : (
                    <ul className="cards promo-codes">
                      {page.items.map((p) => (
                        <PromoItem
                          key={p.id}
                          promo={p}
                          providerId={providerId}
                          admin={admin}
                          stations={stations}
                          now={now}
                          onChanged={reload}
                        />
                      ))}
                    </ul>
                  )}
                  <PageButtons pages={pages} next={page.continuationToken} />
                </>
              )}
            </Loaded>
          </>
        )}
      </Loaded>
    </section>
  );
}

function PromoItem({
  promo,
  providerId,
  admin,
  stations,
  now,
  onChanged,
}: {
  promo: Promo;
  providerId: string;
  admin: boolean;
  stations: StationRef[];
  now: () => Date;
  onChanged(notice: string): void;
}) {
  const api = useApi();
  const [editing, setEditing] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const status = promoStatus(promo, now());
  const names = (promo.stationIds ?? []).map((id) => stations.find((s) => s.id === id)?.name ?? id);

  async function setActive(active: boolean) {
    setError(null);
    setBusy(true);
    try {
      const saved = unwrap(
        await api.client.PATCH("/api/providers/{providerId}/promo-codes/{code}", {
          params: { path: { providerId, code: promo.code } },
          body: updateBody(promo, { active }),
        }),
      );
      onChanged(`Promo code ${saved.code} ${saved.active ? "reactivated" : "deactivated"}.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const headingId = `promo-${promo.id}`;
  return (
    <li>
      <article aria-labelledby={headingId}>
        <h3 id={headingId}>
          <code>{promo.code}</code> <span className={status === "Active" ? "badge" : "badge warning"}>{status}</span>
        </h3>
        <dl className="facts">
          <div>
            <dt>Discount</dt>
            <dd>{discountText(promo, promo.currency)}</dd>
          </div>
          <div>
            <dt>Uses</dt>
            <dd>{promo.maxUses === null ? `${promo.uses} (no limit)` : `${promo.uses} of ${promo.maxUses}`}</dd>
          </div>
          <div>
            <dt>Per driver</dt>
            <dd>{promo.perDriverLimit === null ? "no limit" : promo.perDriverLimit}</dd>
          </div>
          <div>
            <dt>Valid</dt>
            <dd>
              {dateTime(promo.validFrom)} – {dateTime(promo.validUntil)}
            </dd>
          </div>
          <div>
            <dt>Stations</dt>
            <dd>{names.length === 0 ? "All stations" : names.join(", ")}</dd>
          </div>
        </dl>
        {admin && (
          <div className="toolbar">
            <button ref={toggle} type="button" className="secondary" aria-expanded={editing} onClick={() => setEditing(!editing)}>
              {editing ? `Close the form of ${promo.code}` : `Edit ${promo.code}`}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => void setActive(!promo.active)}>
              {promo.active ? `Deactivate ${promo.code}` : `Reactivate ${promo.code}`}
            </button>
          </div>
        )}
        {error && <ErrorMessage>{error}</ErrorMessage>}
        {admin && editing && (
          <EditPromo
            promo={promo}
            providerId={providerId}
            stations={stations}
            onSaved={(p) => {
              setEditing(false);
              toggle.current?.focus();
              onChanged(`Promo code ${p.code} saved.`);
            }}
          />
        )}
      </article>
    </li>
  );
}

/** PATCH body: every field PromoCodeUpdate has, from the code as it is, with `change` applied. */
function updateBody(p: Promo, change: Partial<Bodies["PromoCodeUpdate"]>): Bodies["PromoCodeUpdate"] {
  return {
    active: p.active,
    validFrom: p.validFrom,
    validUntil: p.validUntil,
    maxUses: p.maxUses,
    perDriverLimit: p.perDriverLimit,
    stationIds: p.stationIds ?? [],
    ...change,
  };
}

interface Terms {
  validFrom: string;
  validUntil: string;
  maxUses: string;
  perDriverLimit: string;
  stationIds: string[];
  active: boolean;
}

function checkTerms(t: Terms, zone: string, found: FieldErrors) {
  const from = localToIso(t.validFrom, zone);
  const until = localToIso(t.validUntil, zone);
  if (!from) found.validFrom = "Give the date and time the code becomes valid.";
  if (!until) found.validUntil = "Give the date and time the code stops being valid.";
  else if (from && until <= from) found.validUntil = "The end of validity must be after its start.";
  const max = wholeNumber(t.maxUses);
  const perDriver = wholeNumber(t.perDriverLimit);
  if (max !== null && (Number.isNaN(max) || max < 1)) found.maxUses = "Max. uses is a whole number of 1 or more, or empty for no limit.";
  if (perDriver !== null && (Number.isNaN(perDriver) || perDriver < 1))
    found.perDriverLimit = "The per-driver limit is a whole number of 1 or more, or empty for no limit.";
  else if (perDriver !== null && max !== null && !Number.isNaN(max) && perDriver > max)
    found.perDriverLimit = "The per-driver limit cannot exceed max. uses.";
  return { from, until, max, perDriver };
}

/** Validity, limits, stations and active: the fields a new code and PATCH share. */
function TermsFields({
  form,
  terms,
  set,
  stations,
}: {
  form: FieldErrorsApi;
  terms: Terms;
  set(change: Partial<Terms>): void;
  stations: StationRef[];
}) {
  const { control, message, id } = form;
  const hint = id("zone-hint");
  return (
    <>
      <p id={hint} className="muted">
        Times are in your browser&apos;s time zone, {browserZone()}.
      </p>
      <div className="row">
        <div className="field">
          <label htmlFor={id("validFrom")}>Valid from (your time zone)</label>
          <input type="datetime-local" {...control("validFrom", hint)} value={terms.validFrom} onChange={(e) => set({ validFrom: e.target.value })} />
          {message("validFrom")}
        </div>
        <div className="field">
          <label htmlFor={id("validUntil")}>Valid until (your time zone)</label>
          <input type="datetime-local" {...control("validUntil", hint)} value={terms.validUntil} onChange={(e) => set({ validUntil: e.target.value })} />
          {message("validUntil")}
        </div>
        <div className="field">
          <label htmlFor={id("maxUses")}>Max. uses in all (empty: no limit)</label>
          <input {...control("maxUses")} inputMode="numeric" value={terms.maxUses} onChange={(e) => set({ maxUses: e.target.value })} />
          {message("maxUses")}
        </div>
        <div className="field">
          <label htmlFor={id("perDriverLimit")}>Uses per driver (empty: no limit)</label>
          <input
            {...control("perDriverLimit")}
            inputMode="numeric"
            value={terms.perDriverLimit}
            onChange={(e) => set({ perDriverLimit: e.target.value })}
          />
          {message("perDriverLimit")}
        </div>
      </div>
      <fieldset>
        <legend>Stations (none chosen: all your stations)</legend>
        {stations.length === 0 && <p className="muted">You have no stations yet.</p>}
        <div className="amenities">
          {stations.map((s) => (
            <div key={s.id} className="field check">
              <input
                type="checkbox"
                id={id(`st-${s.id}`)}
                name="stationIds"
                aria-invalid={form.errors.stationIds ? true : undefined}
                checked={terms.stationIds.includes(s.id)}
                onChange={(e) =>
                  set({ stationIds: e.target.checked ? [...terms.stationIds, s.id] : terms.stationIds.filter((x) => x !== s.id) })
                }
              />
              <label htmlFor={id(`st-${s.id}`)}>{s.name}</label>
            </div>
          ))}
        </div>
        {message("stationIds")}
      </fieldset>
      <div className="field check">
        <input type="checkbox" {...control("active")} checked={terms.active} onChange={(e) => set({ active: e.target.checked })} />
        <label htmlFor={id("active")}>Active (drivers can use it while valid)</label>
      </div>
    </>
  );
}

function NewPromo({
  providerId,
  currency,
  stations,
  now,
  onCreated,
}: {
  providerId: string;
  currency: string;
  stations: StationRef[];
  now: () => Date;
  onCreated(p: Promo): void;
}) {
  const api = useApi();
  const form = useFieldErrors();
  const { control, message, id } = form;
  const zone = browserZone();
  const [code, setCode] = useState("");
  const [kind, setKind] = useState<Promo["kind"]>("percent");
  const [pct, setPct] = useState("");
  const [amount, setAmount] = useState("");
  const [terms, setTerms] = useState<Terms>(() => ({
    validFrom: isoToLocal(now().toISOString(), zone),
    validUntil: isoToLocal(new Date(now().getTime() + 30 * DAY).toISOString(), zone),
    maxUses: "",
    perDriverLimit: "",
    stationIds: [],
    active: true,
  }));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const found: FieldErrors = {};
    const upper = code.trim().toUpperCase();
    if (!CODE.test(upper)) found.code = "The code is 4 to 20 letters A–Z, digits or hyphens.";
    const percentOff = wholeNumber(pct);
    if (kind === "percent" && (percentOff === null || Number.isNaN(percentOff) || percentOff < 1 || percentOff > 100))
      found.percent = "Percent off is a whole number from 1 to 100.";
    if (kind === "fixed" && (!AMOUNT.test(amount.trim()) || Number(amount) <= 0))
      found.amount = `The amount is a number above 0 with at most 4 decimals, e.g. 5.00 (${currency}).`;
    const { from, until, max, perDriver } = checkTerms(terms, zone, found);
    if (form.check(found) || !from || !until) return;
    setBusy(true);
    try {
      const created = unwrap(
        await api.client.POST("/api/providers/{providerId}/promo-codes", {
          params: { path: { providerId } },
          body: {
            code: upper,
            kind,
            percent: kind === "percent" ? percentOff : null,
            amount: kind === "fixed" ? amount.trim() : null,
            validFrom: from,
            validUntil: until,
            maxUses: max,
            perDriverLimit: perDriver,
            stationIds: terms.stationIds,
            active: terms.active,
          },
        }),
      );
      onCreated(created);
    } catch (e) {
      setError(form.refused(e, { codes: { ...CODES, promo_kind_mismatch: kind === "percent" ? "percent" : "amount" } }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form.ref} className="card console-form" onSubmit={submit} noValidate aria-labelledby={id("h")}>
      <h3 id={id("h")}>New promo code</h3>
      <div className="row">
        <div className="field">
          <label htmlFor={id("code")}>Code (4–20 letters, digits, hyphens)</label>
          <input
            {...control("code")}
            autoComplete="off"
            autoCapitalize="characters"
            maxLength={20}
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          {message("code")}
        </div>
      </div>
      <fieldset>
        <legend>Discount</legend>
        <div className="field check">
          <input type="radio" id={id("kind-percent")} name="kind" value="percent" checked={kind === "percent"} onChange={() => setKind("percent")} />
          <label htmlFor={id("kind-percent")}>Percent off</label>
        </div>
        <div className="field check">
          <input type="radio" id={id("kind-fixed")} name="kind" value="fixed" checked={kind === "fixed"} onChange={() => setKind("fixed")} />
          <label htmlFor={id("kind-fixed")}>Fixed amount off</label>
        </div>
        {kind === "percent" ? (
          <div className="field">
            <label htmlFor={id("percent")}>Percent off (1–100)</label>
            <input {...control("percent")} inputMode="numeric" value={pct} onChange={(e) => setPct(e.target.value)} />
            {message("percent")}
          </div>
        ) : (
          <div className="field">
            <label htmlFor={id("amount")}>Amount off ({currency})</label>
            <input {...control("amount")} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
            {message("amount")}
          </div>
        )}
        <p className="muted">Amounts are in {currency}, the currency of your account (the API sets it).</p>
      </fieldset>
      <TermsFields form={form} terms={terms} set={(c) => setTerms((t) => ({ ...t, ...c }))} stations={stations} />
      <button type="submit" disabled={busy}>
        Create promo code
      </button>
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </form>
  );
}

function EditPromo({
  promo,
  providerId,
  stations,
  onSaved,
}: {
  promo: Promo;
  providerId: string;
  stations: StationRef[];
  onSaved(p: Promo): void;
}) {
  const api = useApi();
  const form = useFieldErrors();
  const zone = browserZone();
  const [initial] = useState(() => ({ validFrom: isoToLocal(promo.validFrom, zone), validUntil: isoToLocal(promo.validUntil, zone) }));
  const [terms, setTerms] = useState<Terms>({
    ...initial,
    maxUses: promo.maxUses === null ? "" : String(promo.maxUses),
    perDriverLimit: promo.perDriverLimit === null ? "" : String(promo.perDriverLimit),
    stationIds: promo.stationIds ?? [],
    active: promo.active,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const found: FieldErrors = {};
    const { from, until, max, perDriver } = checkTerms(terms, zone, found);
    if (form.check(found) || !from || !until) return;
    setBusy(true);
    try {
      const saved = unwrap(
        await api.client.PATCH("/api/providers/{providerId}/promo-codes/{code}", {
          params: { path: { providerId, code: promo.code } },
          body: {
            active: terms.active,
            // untouched times go back as the API sent them (the form has minutes only)
            validFrom: terms.validFrom === initial.validFrom ? promo.validFrom : from,
            validUntil: terms.validUntil === initial.validUntil ? promo.validUntil : until,
            maxUses: max,
            perDriverLimit: perDriver,
            stationIds: terms.stationIds,
          },
        }),
      );
      onSaved(saved);
    } catch (e) {
      setError(form.refused(e, { codes: CODES }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Edit promo code ${promo.code}`} className="console-form">
      <p className="muted">
        The code, its discount and its currency cannot change: create a new code for another discount.
      </p>
      <TermsFields form={form} terms={terms} set={(c) => setTerms((t) => ({ ...t, ...c }))} stations={stations} />
      <button type="submit" disabled={busy}>
        Save {promo.code}
      </button>
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </form>
  );
}
