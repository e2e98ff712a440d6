// Invoices and credit notes, each downloadable as PDF with the bearer token (a blob download).
import { useState } from "react";

import { ApiError, errorText, problemText, type Problem } from "../api/problem";
import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { date, money } from "../format";

export function InvoicesScreen() {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const invoices = useLoad(
    async () => unwrap(await api.client.GET("/api/invoices", { params: { query: { limit: 50 } } })).items,
    [api],
  );

  async function download(invoiceId: string, number: string) {
    setError(null);
    try {
      // the typed client knows the route; the body is a PDF (or a 302 to a signed link, followed)
      const { response } = await api.client.GET("/api/invoices/{invoiceId}/pdf", {
        params: { path: { invoiceId } },
        parseAs: "stream",
      });
      if (!response.ok) {
        const problem = (await response.json().catch(() => ({}))) as Problem;
        throw new ApiError(response.status, problem.detail ? problem : { detail: problemText(problem, response.status) });
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `${number}.pdf`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <div className="page">
      <h1>Invoices</h1>
      {error && <ErrorMessage>{error}</ErrorMessage>}
      <Loaded load={invoices} what="Loading your invoices">
        {(items) =>
          items.length === 0 ? (
            <Empty>No invoices yet: one is issued after each paid session.</Empty>
          ) : (
            <table className="table">
              <caption className="sr-only">Your invoices</caption>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Date</th>
                  <th scope="col">Total</th>
                  <th scope="col">PDF</th>
                </tr>
              </thead>
              <tbody>
                {items.map((inv) => (
                  <tr key={inv.id}>
                    <td>
                      {inv.number}
                      {inv.kind === "credit_note" && <span className="badge">Credit note</span>}
                    </td>
                    <td>{date(inv.issueDate)}</td>
                    <td>{money(inv.totalInclVat, inv.currency)}</td>
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => download(inv.id, inv.number)}
                        aria-label={`Download ${inv.number} as PDF`}
                      >
                        Download
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </div>
  );
}
