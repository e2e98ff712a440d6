// "Go to a place": the map moves to where the driver wants to charge; several matches are offered to pick from.
import { useId, useRef, useState, type FormEvent } from "react";

import { geocode, type Place } from "./geocode";

export function PlaceSearch({
  onPlace,
  find = geocode,
}: {
  onPlace(place: Place): void;
  find?: (query: string, options: { signal: AbortSignal }) => Promise<Place[]>;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [choices, setChoices] = useState<Place[]>([]);
  const pending = useRef<AbortController | null>(null);

  async function search(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) {
      setMessage("Type a place, a district or an address.");
      return;
    }
    pending.current?.abort();
    const controller = new AbortController();
    pending.current = controller;
    setBusy(true);
    setMessage(null);
    setChoices([]);
    try {
      const places = await find(text, { signal: controller.signal });
      if (places.length === 0) setMessage(`No place called “${text.trim()}” was found.`);
      else if (places.length === 1) choose(places[0]!);
      else setChoices(places);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === "AbortError")) {
        setMessage(e instanceof Error ? e.message : String(e));
      }
    } finally {
      if (pending.current === controller) setBusy(false);
    }
  }

  function choose(place: Place) {
    setChoices([]);
    setMessage(`Showing ${place.name}.`);
    onPlace(place);
  }

  return (
    <form className="place-search" role="search" aria-label="Go to a place" onSubmit={search}>
      <label htmlFor={`${id}-place`}>Place or address</label>
      <div className="row">
        <input
          id={`${id}-place`}
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="e.g. Alexanderplatz"
          autoComplete="off"
        />
        <button type="submit" disabled={busy}>
          {busy ? "Searching…" : "Go"}
        </button>
      </div>
      {message && <p role="status">{message}</p>}
      {choices.length > 0 && (
        <ul className="place-choices" aria-label="Matching places">
          {choices.map((place) => (
            <li key={`${place.lat},${place.lon},${place.name}`}>
              <button type="button" className="link" onClick={() => choose(place)}>
                {place.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
