// Provider applications: pending first (filter by status), approve, or reject with a reason.
import { useId, useState } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime } from "../format";
import { ReasonForm } from "./ReasonForm";

type Status = "pending" | "approved" | "rejected";
type Application = Schemas["ProviderApplication"];

export function ApplicationsScreen() {
  const api = useApi();
  const id = useId();
  const [status, setStatus] = useState<Status>("pending");
  const [notice, setNotice] = useState<string | null>(null);
  const applications = useLoad(
    async () =>
      unwrap(await api.client.GET("/api/platform/provider-applications", { params: { query: { status, limit: 50 } } })).items,
    [api, status],
  );
  return (
    <section aria-labelledby="apps-h">
      <h2 id="apps-h">Provider applications</h2>
      <div className="field inline">
        <label htmlFor={`${id}-s`}>Show</label>
        <select id={`${id}-s`} value={status} onChange={(e) => setStatus(e.target.value as Status)}>
          <option value="pending">Pending</option>
          <option value="approved">Approved</option>
          <option value="rejected">Rejected</option>
        </select>
      </div>
      {notice && (
        <p className="status" role="status">
          {notice}
        </p>
      )}
      <Loaded load={applications} what="Loading applications">
        {(items) =>
          items.length === 0 ? (
            <Empty>No {status} applications.</Empty>
          ) : (
            <ul className="cards">
              {items.map((a) => (
                <ApplicationItem
                  key={a.id}
                  application={a}
                  onDecided={(text) => {
                    setNotice(text);
                    applications.reload();
                  }}
                />
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

function ApplicationItem({ application: a, onDecided }: { application: Application; onDecided(text: string): void }) {
  const api = useApi();
  const [rejecting, setRejecting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = { params: { path: { applicationId: a.id } } };

  async function approve() {
    setError(null);
    setBusy(true);
    try {
      unwrap(await api.client.POST("/api/platform/provider-applications/{applicationId}/approve", path));
      onDecided(`${a.displayName} approved: the provider exists and the applicant is its admin.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  async function reject(reason: string) {
    setError(null);
    try {
      unwrap(await api.client.POST("/api/platform/provider-applications/{applicationId}/reject", { ...path, body: { reason } }));
      onDecided(`${a.displayName} rejected.`);
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <li>
      <h3>{a.displayName}</h3>
      <p>
        {a.legalName} · VAT {a.vatId} · {a.country} · {a.currency} · {a.supportEmail}
        {a.supportPhone && ` · ${a.supportPhone}`}
      </p>
      <p className="muted">
        Applied {dateTime(a.createdAt)}
        {a.decidedAt && ` · decided ${dateTime(a.decidedAt)}`}
        {a.reason && ` · reason: ${a.reason}`}
      </p>
      {a.status === "pending" &&
        (rejecting ? (
          <ReasonForm
            label={`Why is ${a.displayName} rejected? (the applicant sees this)`}
            submit={`Reject ${a.displayName}`}
            onSubmit={reject}
            onCancel={() => setRejecting(false)}
          />
        ) : (
          <div className="toolbar">
            <button type="button" disabled={busy} onClick={() => void approve()}>
              Approve {a.displayName}
            </button>
            <button type="button" className="secondary" onClick={() => setRejecting(true)}>
              Reject {a.displayName}…
            </button>
          </div>
        ))}
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </li>
  );
}
