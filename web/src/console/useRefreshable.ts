// useLoad, plus a quiet refresh after a change: the data is read again without going back to the loading state,
// so the list stays on screen, its items keep their state (messages, open forms) and the focus stays where it was.
import { useCallback, useRef, useState } from "react";

import { useLoad, type Load } from "../components/useLoad";

export function useRefreshable<T>(
  load: () => Promise<T>,
  deps: unknown[],
): Load<T> & { reload(): void; refresh(): Promise<void> } {
  const base = useLoad(load, deps);
  const latest = useRef(load);
  latest.current = load;
  // a refreshed answer stands for the loaded one it replaced; a new load (other deps, reload) supersedes it
  const [fresh, setFresh] = useState<{ of: T | undefined; data: T } | null>(null);
  const loaded = base.data;
  const refresh = useCallback(async () => {
    const data = await latest.current();
    setFresh({ of: loaded, data });
  }, [loaded]);
  if (base.state === "ready" && fresh !== null && fresh.of === base.data)
    return { state: "ready", data: fresh.data, reload: base.reload, refresh };
  return { ...base, refresh };
}
