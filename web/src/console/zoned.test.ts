import { describe, expect, it } from "vitest";

import { isoToLocal, localToIso, validZone, zonedDateTime } from "./zoned";

describe("wall-clock times in a station's time zone", () => {
  it("reads a datetime-local value in the zone, across daylight saving time", () => {
    expect(localToIso("2030-01-05T10:00", "Europe/Berlin")).toBe("2030-01-05T09:00:00.000Z");
    expect(localToIso("2030-07-05T10:00", "Europe/Berlin")).toBe("2030-07-05T08:00:00.000Z");
    expect(localToIso("2030-07-01T08:00", "America/New_York")).toBe("2030-07-01T12:00:00.000Z");
    expect(localToIso("2030-07-01T08:00", "UTC")).toBe("2030-07-01T08:00:00.000Z");
    // the night the clocks go back: 02:30 happens twice; one of the two is taken, never an hour off both
    expect(["2030-10-27T00:30:00.000Z", "2030-10-27T01:30:00.000Z"]).toContain(localToIso("2030-10-27T02:30", "Europe/Berlin"));
  });

  it("refuses what is not a date and time", () => {
    expect(localToIso("", "Europe/Berlin")).toBeNull();
    expect(localToIso("2030-02-30T10:00", "Europe/Berlin")).toBeNull();
    expect(localToIso("10:00", "Europe/Berlin")).toBeNull();
  });

  it("writes an instant back as the zone's wall clock, and knows zones", () => {
    expect(isoToLocal("2030-07-05T08:00:00Z", "Europe/Berlin")).toBe("2030-07-05T10:00");
    expect(isoToLocal("2030-01-05T09:00:00+00:00", "Asia/Tokyo")).toBe("2030-01-05T18:00");
    expect(zonedDateTime("2030-01-05T09:00:00Z", "Asia/Tokyo")).toMatch(/6:00\s?PM|18:00/);
    expect(validZone("Europe/Berlin")).toBe(true);
    expect(validZone("Mars/Olympus")).toBe(false);
    expect(validZone("")).toBe(false);
  });
});
