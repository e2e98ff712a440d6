// A charging session kept up to date: GET /api/sessions/{id} every few seconds with If-None-Match
// (a 304 costs nothing), paused while the tab is hidden, and over once the session has ended.
import { useCallback, useEffect, useRef, useState } from "react";

import type { Schemas } from "../api/client";
import { ApiError, errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";

export type SessionView = Schemas["SessionView"];

export const POLL_MS = 3000;

export const isOver = (s: SessionView) => s.status === "stopped" || s.status === "failed";

export function useSessionPoll(sessionId: string, intervalMs = POLL_MS) {
  const api = useApi();
  const [session, setSession] = useState<SessionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stopping, setStopping] = useState(false);
  const etag = useRef<string | null>(null);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    etag.current = null;

    async function poll() {
      if (typeof document !== "undefined" && document.hidden) {
        timer = setTimeout(poll, intervalMs);
        return;
      }
      try {
        const headers: Record<string, string> = etag.current ? { "If-None-Match": etag.current } : {};
        const result = await api.client.GET("/api/sessions/{sessionId}", {
          params: { path: { sessionId } },
          headers,
        });
        if (!live) return;
        if (result.response.status !== 304) {
          const view = unwrap(result);
          etag.current = result.response.headers.get("etag");
          setSession(view);
          setError(null);
          if (isOver(view)) return; // nothing will change any more
        }
      } catch (e) {
        if (!live) return;
        setError(errorText(e));
        if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return;
      }
      timer = setTimeout(poll, intervalMs);
    }

    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, sessionId, intervalMs]);

  const stop = useCallback(async () => {
    setStopping(true);
    try {
      const view = unwrap(
        await api.client.POST("/api/sessions/{sessionId}/stop", { params: { path: { sessionId } } }),
      );
      setSession(view);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setStopping(false);
    }
  }, [api, sessionId]);

  return { session, error, stop, stopping };
}
