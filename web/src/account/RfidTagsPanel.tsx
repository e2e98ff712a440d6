// The driver's RFID cards (OCPP idTags): GET/POST /api/me/rfid-tags, and per tag PATCH (label, block/unblock)
// and DELETE /api/me/rfid-tags/{idTag}. An expired tag can be renamed or removed, not unblocked.
import { useId, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { date } from "../format";
import { Done, FormError, TextField, focusFirst, formProblem, type FieldErrors } from "./fields";

type Tag = Schemas["RfidTagPublic"];

const STATUS: Record<Tag["status"], string> = { Accepted: "Active", Blocked: "Blocked", Expired: "Expired" };
// OCPP 1.6 idTag: 1 to 20 printable ASCII characters, no spaces
const ID_TAG = /^[\x21-\x7e]{1,20}$/;

/** End of the chosen day in the browser's time zone, as the API's date-time. */
const endOfDay = (day: string) => new Date(`${day}T23:59:59`).toISOString();

export function RfidTagsPanel() {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const tags = useLoad(async () => unwrap(await api.client.GET("/api/me/rfid-tags")), [api]);

  async function act(run: () => Promise<unknown>, message: string) {
    setError(null);
    setDone(null);
    try {
      await run();
      setDone(message);
      tags.reload();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  }

  const update = (tag: Tag, body: Schemas["RfidTagUpdate"], message: string) =>
    act(
      async () =>
        unwrap(await api.client.PATCH("/api/me/rfid-tags/{idTag}", { params: { path: { idTag: tag.idTag } }, body })),
      message,
    );
  const remove = (tag: Tag) =>
    act(
      async () =>
        unwrap(await api.client.DELETE("/api/me/rfid-tags/{idTag}", { params: { path: { idTag: tag.idTag } } })),
      `Tag ${tag.idTag} removed.`,
    );

  return (
    <section aria-labelledby="rfid-h">
      <h2 id="rfid-h">RFID tags</h2>
      <p className="muted">Hold a registered card to a charger to start charging without the app.</p>
      {error && <ErrorMessage>{error}</ErrorMessage>}
      {done && <Done>{done}</Done>}
      <Loaded load={tags} what="Loading your RFID tags">
        {(items) =>
          items.length === 0 ? (
            <Empty>No RFID tags yet. Add one below.</Empty>
          ) : (
            <ul className="tag-list">
              {items.map((tag) => (
                <TagItem
                  key={tag.idTag}
                  tag={tag}
                  onRename={(label) => update(tag, { label, status: null }, `Tag ${tag.idTag} renamed.`)}
                  onBlock={(blocked) =>
                    update(
                      tag,
                      { label: null, status: blocked ? "Blocked" : "Accepted" },
                      blocked ? `Tag ${tag.idTag} blocked.` : `Tag ${tag.idTag} unblocked.`,
                    )
                  }
                  onRemove={() => remove(tag)}
                />
              ))}
            </ul>
          )
        }
      </Loaded>
      <AddTagForm onAdded={tags.reload} />
    </section>
  );
}

function TagItem({
  tag,
  onRename,
  onBlock,
  onRemove,
}: {
  tag: Tag;
  onRename(label: string): Promise<boolean>;
  onBlock(blocked: boolean): Promise<boolean>;
  onRemove(): Promise<boolean>;
}) {
  const id = useId();
  const [mode, setMode] = useState<"view" | "rename" | "remove">("view");
  const [label, setLabel] = useState(tag.label);
  const [labelError, setLabelError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const name = tag.label ? `${tag.label} (${tag.idTag})` : tag.idTag;

  async function run(action: () => Promise<boolean>) {
    setBusy(true);
    const ok = await action();
    setBusy(false);
    if (ok) setMode("view");
  }

  function rename(event: FormEvent) {
    event.preventDefault();
    if (label.trim().length > 60) {
      setLabelError("A label has at most 60 characters.");
      document.getElementById(`${id}-label`)?.focus();
      return;
    }
    setLabelError(undefined);
    void run(() => onRename(label.trim()));
  }

  return (
    <li className="card tag">
      <h3>
        {tag.label || "Unnamed tag"} <code>{tag.idTag}</code>
        <span className={tag.status === "Accepted" ? "badge" : "badge warning"}>{STATUS[tag.status]}</span>
      </h3>
      <p className="muted">
        Added {date(tag.createdAt)}
        {tag.expiresAt && <> · expires {date(tag.expiresAt)}</>}
      </p>
      {mode === "rename" && (
        <form onSubmit={rename} noValidate className="row">
          <TextField
            prefix={id}
            name="label"
            label={`New label for ${tag.idTag}`}
            value={label}
            onChange={setLabel}
            error={labelError}
            maxLength={60}
            autoFocus
          />
          <div className="actions">
            <button type="submit" disabled={busy}>
              Save label
            </button>
            <button type="button" className="secondary" onClick={() => setMode("view")}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {mode === "remove" && (
        <div className="confirm" role="group" aria-labelledby={`${id}-confirm`}>
          <p id={`${id}-confirm`}>Remove {name}? Chargers will no longer accept it.</p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void run(onRemove)}>
              Yes, remove
            </button>
            <button type="button" className="secondary" onClick={() => setMode("view")}>
              Keep it
            </button>
          </div>
        </div>
      )}
      {mode === "view" && (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            aria-label={`Rename ${name}`}
            onClick={() => {
              setLabel(tag.label);
              setMode("rename");
            }}
          >
            Rename
          </button>
          {tag.status === "Accepted" && (
            <button
              type="button"
              className="secondary"
              aria-label={`Block ${name}`}
              disabled={busy}
              onClick={() => void run(() => onBlock(true))}
            >
              Block
            </button>
          )}
          {tag.status === "Blocked" && (
            <button
              type="button"
              className="secondary"
              aria-label={`Unblock ${name}`}
              disabled={busy}
              onClick={() => void run(() => onBlock(false))}
            >
              Unblock
            </button>
          )}
          <button type="button" className="secondary" aria-label={`Remove ${name}`} onClick={() => setMode("remove")}>
            Remove
          </button>
        </div>
      )}
    </li>
  );
}

const ADD_FIELDS = ["idTag", "label", "expiresAt"] as const;

function AddTagForm({ onAdded }: { onAdded(): void }) {
  const api = useApi();
  const prefix = useId();
  const [idTag, setIdTag] = useState("");
  const [label, setLabel] = useState("");
  const [expires, setExpires] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [state, setState] = useState<{ busy?: boolean; done?: string; error?: string }>({});

  async function add(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    const tag = idTag.trim();
    if (!tag) found.idTag = "Enter the tag's id, as printed on the card or shown by the charger.";
    else if (!ID_TAG.test(tag)) found.idTag = "A tag id is 1 to 20 letters, digits or symbols, without spaces.";
    if (label.trim().length > 60) found.label = "A label has at most 60 characters.";
    if (expires && new Date(`${expires}T23:59:59`) < new Date()) found.expiresAt = "Choose a day that is not over yet.";
    setErrors(found);
    if (Object.keys(found).length) {
      setState({});
      focusFirst(prefix, found, ADD_FIELDS);
      return;
    }
    setState({ busy: true });
    try {
      const added = unwrap(
        await api.client.POST("/api/me/rfid-tags", {
          body: { idTag: tag, label: label.trim(), expiresAt: expires ? endOfDay(expires) : null },
        }),
      );
      setIdTag("");
      setLabel("");
      setExpires("");
      setState({ done: `Tag ${added.idTag} added.` });
      onAdded();
    } catch (e) {
      const problem = formProblem(e, ADD_FIELDS, { rfid_tag_taken: "idTag" });
      setErrors(problem.fields);
      setState({ error: problem.message });
      focusFirst(prefix, problem.fields, ADD_FIELDS);
    }
  }

  return (
    <form onSubmit={add} noValidate className="card account-form" aria-labelledby={`${prefix}-h`}>
      <h3 id={`${prefix}-h`}>Add an RFID tag</h3>
      <TextField
        prefix={prefix}
        name="idTag"
        label="Tag ID"
        value={idTag}
        onChange={setIdTag}
        error={errors.idTag}
        hint="Up to 20 characters, no spaces."
        autoComplete="off"
        spellCheck={false}
        maxLength={20}
        required
      />
      <TextField
        prefix={prefix}
        name="label"
        label="Label (optional)"
        value={label}
        onChange={setLabel}
        error={errors.label}
        hint="For example “Blue card” or “Company car”."
        maxLength={60}
      />
      <TextField
        prefix={prefix}
        name="expiresAt"
        label="Expires on (optional)"
        type="date"
        value={expires}
        onChange={setExpires}
        error={errors.expiresAt}
      />
      {state.error && <FormError>{state.error}</FormError>}
      {state.done && <Done>{state.done}</Done>}
      <button type="submit" disabled={state.busy}>
        {state.busy ? "Adding…" : "Add tag"}
      </button>
    </form>
  );
}
