// Monthly statements (revenue, VAT, commission, payout per currency) with their PDF and CSV.
import { useState } from "react";

import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { saveResponse } from "../components/download";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { money, number } from "../format";

export function StatementsPanel({ providerId }: { providerId: string }) {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const statements = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/providers/{providerId}/statements", {
          params: { path: { providerId }, query: { limit: 24 } },
        }),
      ).items,
    [api, providerId],
  );

  async function download(month: string, kind: "pdf" | "csv") {
    setError(null);
    try {
      const params = { params: { path: { providerId, month } }, parseAs: "stream" as const };
      const { response } =
        kind === "pdf"
          ? await api.client.GET("/api/providers/{providerId}/statements/{month}/pdf", params)
          : await api.client.GET("/api/providers/{providerId}/statements/{month}/csv", params);
      await saveResponse(response, `statement-${month}.${kind}`);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section aria-labelledby="statements-h">
      <h2 id="statements-h">Monthly statements</h2>
      {error && <ErrorMessage>{error}</ErrorMessage>}
      <Loaded load={statements} what="Loading statements">
        {(items) =>
          items.length === 0 ? (
            <Empty>No statements yet: one is made after each month.</Empty>
          ) : (
            <table className="table">
              <caption className="sr-only">Monthly statements</caption>
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col">Sessions</th>
                  <th scope="col">Revenue incl. VAT</th>
                  <th scope="col">Commission</th>
                  <th scope="col">Payout</th>
                  <th scope="col">Files</th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <td>{new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${s.month}-01T00:00:00Z`))}</td>
                    <td>{number(s.totals.reduce((n, t) => n + t.sessions, 0), 0)}</td>
                    <td>{s.totals.map((t) => money(t.revenueInclVat, t.currency)).join(", ") || "–"}</td>
                    <td>
                      {s.totals.map((t) => money(t.commission, t.currency)).join(", ") || "–"}{" "}
                      <span className="muted">({number(s.commissionPercent, 2)} %)</span>
                    </td>
                    <td>{s.totals.map((t) => money(t.payout, t.currency)).join(", ") || "–"}</td>
                    <td>
                      <button type="button" className="secondary" onClick={() => void download(s.month, "pdf")} aria-label={`Download the ${s.month} statement as PDF`}>
                        PDF
                      </button>{" "}
                      <button type="button" className="secondary" onClick={() => void download(s.month, "csv")} aria-label={`Download the ${s.month} statement as CSV`}>
                        CSV
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
