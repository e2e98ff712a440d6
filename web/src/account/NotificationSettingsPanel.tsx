// Which messages reach the driver by email and in the app: GET/PUT /api/me/notification-preferences.
// The API always sends security messages (a password change, ...): that row is shown checked and locked, and
// never sent back (the API refuses to turn it off with `security_always_on`).
import { useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { Done, FormError, formProblem } from "./fields";

type Choice = Schemas["ChannelChoice"];
type Channel = keyof Choice;

export const CATEGORIES = [
  { key: "charging", label: "Charging", about: "Session started or stopped, a limit reached, idle fees ahead" },
  { key: "payments", label: "Payments", about: "Payments taken or failed, invoices" },
  { key: "reservations", label: "Reservations", about: "Confirmations, reminders, expiry" },
  { key: "reviews", label: "Reviews", about: "Replies to your reviews, moderation, reported problems resolved" },
  { key: "provider_ops", label: "Provider matters", about: "Your provider application, and for operators: faults" },
  { key: "security", label: "Security", about: "Password changes and other account security" },
] as const;

const CHANNELS: { key: Channel; label: string; phrase: string }[] = [
  { key: "email", label: "Email", phrase: "by email" },
  { key: "inApp", label: "In the app", phrase: "in the app" },
];

const ALWAYS_ON = "security";

type Prefs = Record<string, Choice>;

export function NotificationSettingsPanel() {
  const api = useApi();
  const prefs = useLoad(
    async () => unwrap(await api.client.GET("/api/me/notification-preferences")).categories ?? {},
    [api],
  );
  return (
    <section aria-labelledby="prefs-h">
      <h2 id="prefs-h">Notification settings</h2>
      <Loaded load={prefs} what="Loading your notification settings">
        {(initial) => <PreferencesForm initial={initial} />}
      </Loaded>
    </section>
  );
}

function PreferencesForm({ initial }: { initial: Prefs }) {
  const api = useApi();
  const [choices, setChoices] = useState<Prefs>(() => fill(initial));
  const [state, setState] = useState<{ busy?: boolean; done?: string; error?: string }>({});

  function toggle(category: string, channel: Channel, on: boolean) {
    setState({});
    setChoices((all) => ({ ...all, [category]: { ...all[category]!, [channel]: on } }));
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setState({ busy: true });
    const categories: Prefs = {};
    for (const c of CATEGORIES) if (c.key !== ALWAYS_ON) categories[c.key] = choices[c.key]!;
    try {
      const saved = unwrap(await api.client.PUT("/api/me/notification-preferences", { body: { categories } }));
      setChoices(fill(saved.categories ?? {}));
      setState({ done: "Notification settings saved." });
    } catch (e) {
      setState({ error: formProblem(e, []).message });
    }
  }

  return (
    <form onSubmit={save} className="card">
      <div className="table-scroll">
        <table className="table prefs">
          <caption>Which messages you get, and where</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              {CHANNELS.map((ch) => (
                <th scope="col" key={ch.key}>
                  {ch.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {CATEGORIES.map((c) => {
              const locked = c.key === ALWAYS_ON;
              return (
                <tr key={c.key}>
                  <th scope="row">
                    {c.label}
                    <span className="muted small">
                      {c.about}
                    </span>
                  </th>
                  {CHANNELS.map((ch) => (
                    <td key={ch.key}>
                      <input
                        type="checkbox"
                        aria-label={`${c.label} ${ch.phrase}`}
                        aria-describedby={locked ? "prefs-always" : undefined}
                        checked={locked || Boolean(choices[c.key]?.[ch.key])}
                        disabled={locked}
                        onChange={(e) => toggle(c.key, ch.key, e.target.checked)}
                      />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p id="prefs-always" className="muted">
        Security messages are always sent, by email and in the app.
      </p>
      {state.error && <FormError>{state.error}</FormError>}
      {state.done && <Done>{state.done}</Done>}
      <button type="submit" disabled={state.busy}>
        {state.busy ? "Saving…" : "Save notification settings"}
      </button>
    </form>
  );
}

/** Every category with both channels (the API's default is on). */
function fill(categories: Prefs): Prefs {
  const all: Prefs = {};
  for (const c of CATEGORIES) all[c.key] = { email: true, inApp: true, ...categories[c.key] };
  return all;
}
