// Messages the bus gave up on: what, where, why, the body; replay sends one back to its entity.
import { useState } from "react";

import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime } from "../format";

export function DeadLettersScreen() {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const letters = useLoad(
    async () => unwrap(await api.client.GET("/api/platform/dead-letters", { params: { query: { limit: 100 } } })),
    [api],
  );
  async function replay(deadLetterId: string) {
    setError(null);
    setNotice(null);
    try {
      unwrap(await api.client.POST("/api/platform/dead-letters/{deadLetterId}/replay", { params: { path: { deadLetterId } } }));
      setNotice("Sent back to its queue.");
      letters.reload();
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <section aria-labelledby="dl-h">
      <h2 id="dl-h">Dead letters</h2>
      {notice && (
        <p className="status" role="status">
          {notice}
        </p>
      )}
      {error && <ErrorMessage>{error}</ErrorMessage>}
      <Loaded load={letters} what="Loading dead letters">
        {(items) =>
          items.length === 0 ? (
            <Empty>No dead letters.</Empty>
          ) : (
            <ul className="cards">
              {items.map((d) => (
                <li key={d.id}>
                  <strong>{d.type ?? "message"}</strong> on {d.entity}
                  {d.subscription && `/${d.subscription}`}{" "}
                  <span className="muted">
                    · {d.deliveryCount} deliveries · dead-lettered {dateTime(d.deadLetteredAt)}
                  </span>
                  <p>
                    {d.reason}
                    {d.description && `: ${d.description}`}
                  </p>
                  <details>
                    <summary>Body of {d.messageId}</summary>
                    <pre className="body">{d.body}</pre>
                  </details>
                  <button type="button" className="secondary" onClick={() => void replay(d.id)} aria-label={`Replay ${d.messageId}`}>
                    Replay
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}
