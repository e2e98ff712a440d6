// One shape for every screen's data: loading, failed (with the API's words) or ready.
import { useCallback, useEffect, useRef, useState } from "react";

import { errorText } from "../api/problem";

export type Load<T> =
  | { state: "loading"; data?: undefined; error?: undefined }
  | { state: "error"; data?: undefined; error: string }
  | { state: "ready"; data: T; error?: undefined };

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Load<T> & { reload(): void } {
  const [result, setResult] = useState<Load<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  const latest = useRef(load);
  latest.current = load;

  useEffect(() => {
    let live = true;
    setResult({ state: "loading" });
    latest
      .current()
      .then((data) => live && setResult({ state: "ready", data }))
      .catch((error: unknown) => live && setResult({ state: "error", error: errorText(error) }));
    return () => {
      live = false;
    };
  }, [...deps, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { ...result, reload };
}
