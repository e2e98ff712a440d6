import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { PageButtons, usePages } from "./Pager";

// a list whose API answers page N with the token "pN+1" while there are more
function Listing({ last }: { last: number }) {
  const pages = usePages();
  const n = pages.token === null ? 1 : Number(pages.token.slice(1));
  return (
    <>
      <p>page {n}</p>
      <button type="button" onClick={pages.reset}>
        Filter changed
      </button>
      <PageButtons pages={pages} next={n < last ? `p${n + 1}` : null} />
    </>
  );
}

describe("paging by continuation tokens", () => {
  it("goes forward with the API's token and back through the tokens seen", () => {
    render(<Listing last={3} />);
    expect(screen.queryByRole("button", { name: "Previous page" })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Next page" }));
    fireEvent.click(screen.getByRole("button", { name: "Next page" }));
    expect(screen.getByText("page 3")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Next page" })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Previous page" }));
    expect(screen.getByText("page 2")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Filter changed" }));
    expect(screen.getByText("page 1")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Previous page" })).not.toBeInTheDocument();
  });

  it("shows no buttons for a single page", () => {
    render(<Listing last={1} />);
    expect(screen.queryByRole("button", { name: /page$/ })).not.toBeInTheDocument();
  });
});
