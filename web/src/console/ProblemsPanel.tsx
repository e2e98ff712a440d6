// Problems drivers reported at the provider's stations (GET /api/providers/{id}/problems, newest first, by status
// and station), and resolving one with an optional note (POST /api/problems/{id}/resolve), which lifts the
// connector's "reported faulty" mark. Provider admins and staff alike.
import { useId, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { PageButtons, usePages } from "../components/Pager";
import { dateTime } from "../format";
import { useFieldErrors } from "./form";
import { StationSelect } from "./StationSelect";
import { useProviderStations } from "./stations";

type ProblemView = Schemas["ProblemView"];
type Status = "open" | "resolved" | "";

export const KINDS: Record<ProblemView["kind"], string> = {
  broken: "Does not charge",
  blocked: "Bay blocked",
  damaged_cable: "Damaged cable",
  other: "Something else",
};

export function ProblemsPanel({ providerId }: { providerId: string }) {
  const api = useApi();
  const id = useId();
  const [status, setStatus] = useState<Status>("open");
  const [stationId, setStationId] = useState("");
  const pages = usePages();
  const token = pages.token;
  const stations = useProviderStations(providerId);
  const problems = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/providers/{providerId}/problems", {
          params: {
            path: { providerId },
            query: { limit: 50, status: status || undefined, stationId: stationId || undefined, continuationToken: token ?? undefined },
          },
        }),
      ),
    [api, providerId, status, stationId, token],
  );
  return (
    <section aria-labelledby="problems-h">
      <h2 id="problems-h">Problem reports</h2>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-st`}>Status</label>
          <select
            id={`${id}-st`}
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as Status);
              pages.reset();
            }}
          >
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
            <option value="">All</option>
          </select>
        </div>
        <div className="field">
          <StationSelect
            id={`${id}-s`}
            stations={stations.data ?? []}
            value={stationId}
            onChange={(next) => {
              setStationId(next);
              pages.reset();
            }}
          />
        </div>
      </div>
      <Loaded load={problems} what="Loading problem reports">
        {(page) => (
          <>
            {page.items.length === 0 ? (
              <Empty>{status === "open" ? "No open problems: nothing to do." : "No problem reports."}</Empty>
            ) : (
              <ul className="cards">
                {page.items.map((p) => (
                  <ProblemItem key={p.id} problem={p} />
                ))}
              </ul>
            )}
            <PageButtons pages={pages} next={page.continuationToken} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function ProblemItem({ problem }: { problem: ProblemView }) {
  const api = useApi();
  const form = useFieldErrors();
  const { control, message, id } = form;
  const [current, setCurrent] = useState(problem);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function resolve(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (form.check(note.length > 2000 ? { note: "The note is at most 2000 characters." } : {})) return;
    setBusy(true);
    try {
      setCurrent(
        unwrap(
          await api.client.POST("/api/problems/{problemId}/resolve", {
            params: { path: { problemId: problem.id } },
            body: { note: note.trim() },
          }),
        ),
      );
    } catch (e) {
      setError(form.refused(e));
    } finally {
      setBusy(false);
    }
  }

  const where = current.connectorKey ? `connector ${current.connectorKey}` : "the whole station";
  return (
    <li>
      <article aria-labelledby={id("h")}>
        <h3 id={id("h")}>
          {current.stationName}: {KINDS[current.kind]}
        </h3>
        <p className="muted">
          Reported {dateTime(current.createdAt)} about {where}
        </p>
        {current.text && <p className="report-text">{current.text}</p>}
        {current.status === "resolved" ? (
          <p className="status" role={problem.status === "open" ? "status" : undefined}>
            Resolved {dateTime(current.resolvedAt)}
            {current.resolution === "session_succeeded" ? " (a later session charged fine)" : " by your team"}
            {current.resolutionNote && `: ${current.resolutionNote}`}
          </p>
        ) : (
          <form ref={form.ref} onSubmit={resolve} noValidate aria-label={`Resolve: ${current.stationName}, ${KINDS[current.kind]}`} className="console-form">
            <div className="field">
              <label htmlFor={id("note")}>Resolution note (optional)</label>
              <textarea {...control("note")} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
              {message("note")}
            </div>
            <button type="submit" disabled={busy}>
              Mark resolved
            </button>
            {error && <ErrorMessage>{error}</ErrorMessage>}
          </form>
        )}
      </article>
    </li>
  );
}
