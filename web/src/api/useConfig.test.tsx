import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { loadConfig, useConfig } from "./useConfig";

const CONFIG = { paymentBackend: "stripe", stripePublishableKey: "pk_test_1", simulatorCardForm: false };
const asks = (api: ReturnType<typeof fakeApi>) => api.requests.filter((r) => r.url.endsWith("/api/config")).length;

function Backend({ label }: { label: string }) {
  const config = useConfig();
  return <p>{config.state === "ready" ? `${label}: ${config.data.paymentBackend}` : `${label}: ${config.state}`}</p>;
}

describe("useConfig", () => {
  it("asks GET /api/config once for every screen of the page", async () => {
    const api = fakeApi(() => json(CONFIG));
    renderRoute(
      api,
      "/",
      "/",
      <>
        <Backend label="first" />
        <Backend label="second" />
      </>,
    );
    expect(await screen.findByText("first: stripe")).toBeInTheDocument();
    expect(await screen.findByText("second: stripe")).toBeInTheDocument();
    expect(await loadConfig(api)).toEqual(CONFIG);
    expect(asks(api)).toBe(1);
  });

  it("asks again after a failure instead of keeping it", async () => {
    let calls = 0;
    const api = fakeApi(() => (++calls === 1 ? json({ title: "Internal error", status: 500 }, 500) : json(CONFIG)));
    await expect(loadConfig(api)).rejects.toThrow("Internal error");
    expect(await loadConfig(api)).toEqual(CONFIG);
    expect(asks(api)).toBe(2);
  });
});
