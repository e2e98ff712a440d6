// The driver's own figures: GET /api/me/statistics (energy, sessions, spend, estimated CO2 avoided) per day, week
// or month, and the same as CSV (GET /api/me/statistics/csv, fetched with the bearer token and saved as a file).
import { useId, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { saveResponse } from "../components/download";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { date, kwh, money, number } from "../format";
import { TextField, focusFirst, type FieldErrors } from "./fields";

type Granularity = "day" | "week" | "month";
// One currency's money in a period: {currency, collected (incl. VAT), refunded, net}.
type Spend = Schemas["MoneyFlow"];
interface Query {
  from: string;
  to: string;
  granularity: Granularity;
}

const MAX_DAYS = 366; // the API's limit for one report
const DAY = 86_400_000;
const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
// a calendar day of the API (UTC days) shown as that same day whatever the browser's time zone
const day = (iso: string) => date(`${iso}T12:00:00`);
const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY) + 1;

/** What the driver paid: the net of each currency (collected incl. VAT minus refunds). */
export function spendText(spend: readonly Spend[]): string {
  return spend.length ? spend.map((m) => money(m.net, m.currency)).join(" + ") : "–";
}

export function StatisticsPanel({ now = () => new Date() }: { now?: () => Date }) {
  const api = useApi();
  const prefix = useId();
  const [draft, setDraft] = useState<Query>(() => {
    const today = now();
    return { from: isoDay(new Date(today.getTime() - 29 * DAY)), to: isoDay(today), granularity: "month" };
  });
  const [query, setQuery] = useState<Query>(draft);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [csvError, setCsvError] = useState<string | null>(null);
  const report = useLoad(
    async () => unwrap(await api.client.GET("/api/me/statistics", { params: { query } })),
    [api, query.from, query.to, query.granularity],
  );

  function validate(q: Query): FieldErrors {
    const found: FieldErrors = {};
    if (!q.from) found.from = "Choose the first day.";
    if (!q.to) found.to = "Choose the last day.";
    if (q.from && q.to) {
      if (q.from > q.to) found.to = "The last day cannot be before the first.";
      else if (days(q.from, q.to) > MAX_DAYS) found.to = `A report covers at most ${MAX_DAYS} days.`;
    }
    return found;
  }

  function show(event: FormEvent) {
    event.preventDefault();
    const found = validate(draft);
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirst(prefix, found, ["from", "to"]);
      return;
    }
    setQuery(draft);
  }

  async function csv() {
    setCsvError(null);
    try {
      const { response } = await api.client.GET("/api/me/statistics/csv", { params: { query }, parseAs: "stream" });
      await saveResponse(response, `statistics-${query.from}-${query.to}.csv`);
    } catch (e) {
      setCsvError(errorText(e));
    }
  }

  return (
    <section aria-labelledby="stats-h">
      <h2 id="stats-h">My statistics</h2>
      <form onSubmit={show} noValidate className="row align-end">
        <TextField
          prefix={prefix}
          name="from"
          label="From"
          type="date"
          value={draft.from}
          onChange={(from) => setDraft({ ...draft, from })}
          error={errors.from}
        />
        <TextField
          prefix={prefix}
          name="to"
          label="To"
          type="date"
          value={draft.to}
          onChange={(to) => setDraft({ ...draft, to })}
          error={errors.to}
        />
        <div className="field">
          <label htmlFor={`${prefix}-granularity`}>Per</label>
          <select
            id={`${prefix}-granularity`}
            value={draft.granularity}
            onChange={(e) => setDraft({ ...draft, granularity: e.target.value as Granularity })}
          >
            <option value="day">Day</option>
            <option value="week">Week</option>
            <option value="month">Month</option>
          </select>
        </div>
        <div className="field">
          <button type="submit">Show statistics</button>
        </div>
      </form>
      <Loaded load={report} what="Loading your statistics">
        {(r) => (
          <>
            <p className="muted">
              {day(r.start)} to {day(r.end)}
            </p>
            <dl className="readings">
              <div>
                <dt>Energy charged</dt>
                <dd>{kwh(r.total.energyKwh)}</dd>
              </div>
              <div>
                <dt>Sessions</dt>
                <dd>{number(r.total.sessions, 0)}</dd>
              </div>
              <div>
                <dt>Spent</dt>
                <dd>{spendText(r.total.spend)}</dd>
              </div>
              <div>
                <dt>CO₂ avoided</dt>
                <dd>{number(r.total.co2AvoidedKg, 1)} kg</dd>
              </div>
            </dl>
            <p className="muted small">
              CO₂ avoided is an estimate: {number(r.co2KgPerKwh, 3)} kg for every kWh charged instead of burnt as
              fuel.
            </p>
            <button type="button" className="secondary" onClick={() => void csv()}>
              Download CSV
            </button>
            {csvError && <ErrorMessage>{csvError}</ErrorMessage>}
            {r.total.sessions === 0 ? (
              <Empty>No charging in this period.</Empty>
            ) : (
              <div className="table-scroll">
                <table className="table">
                  <caption className="sr-only">Your figures per {r.granularity}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Period</th>
                      <th scope="col">Sessions</th>
                      <th scope="col">Energy</th>
                      <th scope="col">Spent</th>
                      <th scope="col">CO₂ avoided</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.periods.map((p) => (
                      <tr key={p.period}>
                        <th scope="row">{p.start === p.end ? day(p.start) : `${day(p.start)} – ${day(p.end)}`}</th>
                        <td>{number(p.sessions, 0)}</td>
                        <td>{kwh(p.energyKwh)}</td>
                        <td>{spendText(p.spend)}</td>
                        <td>{number(p.co2AvoidedKg, 1)} kg</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
