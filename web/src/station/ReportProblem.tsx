// Tell the operator something is wrong: POST /api/stations/{id}/problems.
import { useId, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useAuth } from "../auth/AuthContext";
import { connectorKey, connectorLabel, type Connector } from "./connectors";

type Kind = Schemas["ProblemReportCreate"]["kind"];
const KINDS: [Kind, string][] = [
  ["broken", "Does not charge"],
  ["blocked", "Bay blocked"],
  ["damaged_cable", "Damaged cable"],
  ["other", "Something else"],
];

export function ReportProblem({ stationId, connectors }: { stationId: string; connectors: Connector[] }) {
  const { api, signedIn } = useAuth();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [connector, setConnector] = useState("");
  const [kind, setKind] = useState<Kind>("broken");
  const [text, setText] = useState("");
  const [state, setState] = useState<{ sent?: boolean; error?: string; busy?: boolean }>({});

  if (!signedIn) return null;
  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Report a problem
      </button>
    );
  }
  if (state.sent) return <p role="status">Thank you: the operator has been told.</p>;

  async function send(event: FormEvent) {
    event.preventDefault();
    setState({ busy: true });
    try {
      unwrap(
        await api.client.POST("/api/stations/{stationId}/problems", {
          params: { path: { stationId } },
          body: { connectorKey: connector || null, kind, text },
        }),
      );
      setState({ sent: true });
    } catch (e) {
      setState({ error: errorText(e) });
    }
  }

  return (
    <form className="card" onSubmit={send} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Report a problem</h3>
      <div className="field">
        <label htmlFor={`${id}-c`}>Connector</label>
        <select id={`${id}-c`} value={connector} onChange={(e) => setConnector(e.target.value)}>
          <option value="">The whole station</option>
          {connectors.map((c) => (
            <option key={connectorKey(c)} value={connectorKey(c)}>
              {connectorLabel(c)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-k`}>What is wrong</label>
        <select id={`${id}-k`} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          {KINDS.map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-t`}>Details</label>
        <textarea id={`${id}-t`} value={text} maxLength={2000} onChange={(e) => setText(e.target.value)} />
      </div>
      {state.error && (
        <p className="status error" role="alert">
          {state.error}
        </p>
      )}
      <button type="submit" disabled={state.busy}>
        Send report
      </button>{" "}
      <button type="button" className="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
