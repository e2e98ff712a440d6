// In-app notifications: GET /api/me/notifications, marked read one by one.
import { useState } from "react";

import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime } from "../format";

export function NotificationsScreen() {
  const api = useApi();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const notes = useLoad(
    async () =>
      unwrap(await api.client.GET("/api/me/notifications", { params: { query: { unreadOnly, limit: 50 } } })).items,
    [api, unreadOnly],
  );

  async function markRead(notificationId: string) {
    setError(null);
    try {
      unwrap(
        await api.client.POST("/api/me/notifications/{notificationId}/read", {
          params: { path: { notificationId } },
        }),
      );
      notes.reload();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <div className="page">
      <h1>Notifications</h1>
      <div className="field check">
        <input id="unread-only" type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
        <label htmlFor="unread-only">Unread only</label>
      </div>
      {error && <ErrorMessage>{error}</ErrorMessage>}
      <Loaded load={notes} what="Loading notifications">
        {(items) =>
          items.length === 0 ? (
            <Empty>Nothing here.</Empty>
          ) : (
            <ul className="notifications">
              {items.map((n) => (
                <li key={n.id} className={n.readAt ? "read" : "unread"}>
                  <strong>{n.title}</strong> <span className="muted">{dateTime(n.createdAt)}</span>
                  <p>{n.text}</p>
                  {!n.readAt && (
                    <button type="button" className="secondary" onClick={() => markRead(n.id)}>
                      Mark as read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </div>
  );
}
