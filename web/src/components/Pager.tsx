// Paging by the API's continuation tokens: the tokens of the pages seen so far, so "Previous" goes back
// without the API keeping any state.
import { useState } from "react";

export interface Pages {
  /** the token of the page shown (null: the first page) */
  token: string | null;
  hasPrevious: boolean;
  previous(): void;
  next(token: string): void;
  /** back to the first page, e.g. when a filter changes */
  reset(): void;
}

export function usePages(): Pages {
  const [tokens, setTokens] = useState<(string | null)[]>([null]);
  return {
    token: tokens[tokens.length - 1] ?? null,
    hasPrevious: tokens.length > 1,
    previous: () => setTokens((t) => (t.length > 1 ? t.slice(0, -1) : t)),
    next: (token) => setTokens((t) => [...t, token]),
    reset: () => setTokens([null]),
  };
}

/** "Previous page" once past the first, "Next page" while the API gives a continuation token. */
export function PageButtons({ pages, next }: { pages: Pages; next: string | null | undefined }) {
  if (!pages.hasPrevious && !next) return null;
  return (
    <div className="toolbar">
      {pages.hasPrevious && (
        <button type="button" className="secondary" onClick={pages.previous}>
          Previous page
        </button>
      )}
      {next && (
        <button type="button" className="secondary" onClick={() => pages.next(next)}>
          Next page
        </button>
      )}
    </div>
  );
}
