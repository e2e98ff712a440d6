import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { geocode, GeocoderError } from "./geocode";
import { PlaceSearch } from "./PlaceSearch";

const hit = (name: string, lat: string, lon: string) => ({ display_name: name, lat, lon });

describe("geocode", () => {
  it("asks the geocoder for the place in the browser's language and keeps only usable hits", async () => {
    const fetchFn = vi.fn(async () =>
      Response.json([hit("Alexanderplatz, Berlin", "52.5219", "13.4132"), hit("nowhere", "x", "13"), { lat: "1" }]),
    );
    const places = await geocode(" Alexanderplatz ", { fetchFn, language: "de-DE", url: "https://geo.test/search" });
    expect(places).toEqual([{ name: "Alexanderplatz, Berlin", lat: 52.5219, lon: 13.4132 }]);
    const [url, init] = fetchFn.mock.calls[0] as unknown as [URL, RequestInit];
    expect(url.toString()).toBe("https://geo.test/search?q=Alexanderplatz&format=jsonv2&limit=5");
    expect(init.headers).toEqual({ "accept-language": "de-DE" });
  });

  it("says in words when the geocoder fails or cannot be reached", async () => {
    const down = vi.fn(async () => new Response("busy", { status: 503 }));
    await expect(geocode("Mitte", { fetchFn: down })).rejects.toThrow("The place search answered 503");
    const offline = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(geocode("Mitte", { fetchFn: offline })).rejects.toBeInstanceOf(GeocoderError);
  });
});

describe("place search", () => {
  it("moves to the only match at once", async () => {
    const onPlace = vi.fn();
    const find = vi.fn(async (_query: string) => [{ name: "Friedrichshain, Berlin", lat: 52.5158, lon: 13.454 }]);
    render(<PlaceSearch onPlace={onPlace} find={find} />);
    fireEvent.change(screen.getByLabelText("Place or address"), { target: { value: "Friedrichshain" } });
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    await waitFor(() => expect(onPlace).toHaveBeenCalledWith({ name: "Friedrichshain, Berlin", lat: 52.5158, lon: 13.454 }));
    expect(find.mock.calls[0]?.[0]).toBe("Friedrichshain");
    expect(screen.getByRole("status")).toHaveTextContent("Showing Friedrichshain, Berlin.");
  });

  it("offers several matches to choose from", async () => {
    const onPlace = vi.fn();
    const find = vi.fn(async () => [
      { name: "Frankfurt am Main", lat: 50.11, lon: 8.68 },
      { name: "Frankfurt (Oder)", lat: 52.34, lon: 14.55 },
    ]);
    render(<PlaceSearch onPlace={onPlace} find={find} />);
    fireEvent.change(screen.getByLabelText("Place or address"), { target: { value: "Frankfurt" } });
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    fireEvent.click(await screen.findByRole("button", { name: "Frankfurt (Oder)" }));
    expect(onPlace).toHaveBeenCalledTimes(1);
    expect(onPlace).toHaveBeenCalledWith({ name: "Frankfurt (Oder)", lat: 52.34, lon: 14.55 });
    expect(screen.queryByRole("list", { name: "Matching places" })).not.toBeInTheDocument();
  });

  it("says when nothing matches or the search fails, and asks nothing for an empty box", async () => {
    const onPlace = vi.fn();
    const find = vi
      .fn<(q: string) => Promise<never[]>>()
      .mockResolvedValueOnce([])
      .mockRejectedValueOnce(new GeocoderError("The place search cannot be reached."));
    render(<PlaceSearch onPlace={onPlace} find={find} />);
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    expect(screen.getByRole("status")).toHaveTextContent("Type a place");
    expect(find).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText("Place or address"), { target: { value: "Atlantis" } });
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    expect(await screen.findByText("No place called “Atlantis” was found.")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    expect(await screen.findByText("The place search cannot be reached.")).toBeInTheDocument();
    expect(onPlace).not.toHaveBeenCalled();
  });
});
