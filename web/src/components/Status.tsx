// Loading, empty and error states, announced to screen readers.
import type { ReactNode } from "react";

import type { Load } from "./useLoad";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="status" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function ErrorMessage({ children, retry }: { children: ReactNode; retry?: () => void }) {
  return (
    <div className="status error" role="alert">
      <p>{children}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="status empty">{children}</p>;
}

/** Renders the loading or error state of `load`, or `children(data)` once it is ready. */
export function Loaded<T>({
  load,
  what,
  children,
}: {
  load: Load<T> & { reload(): void };
  what?: string;
  children: (data: T) => ReactNode;
}) {
  if (load.state === "loading") return <Loading what={what} />;
  if (load.state === "error") return <ErrorMessage retry={load.reload}>{load.error}</ErrorMessage>;
  return <>{children(load.data)}</>;
}
