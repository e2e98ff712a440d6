// The driver's profile (GET/PATCH /api/me, If-Match with the ETag read) and password (POST /api/me/password).
// Changing the password sends this device's refresh token along: the API revokes every other refresh token of
// the account, so the other devices are signed out and this one stays signed in without signing in again.
import { useId, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { ApiError, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { date } from "../format";
import { Done, FormError, TextField, focusFirst, formProblem, type FieldErrors } from "./fields";

type Me = Schemas["UserPublic"];
type Locale = Me["locale"];

const LOCALES: { value: Locale; label: string }[] = [
  { value: "en", label: "English" },
  { value: "de", label: "Deutsch" },
];

export function ProfilePanel() {
  const api = useApi();
  const profile = useLoad(async () => {
    const result = await api.client.GET("/api/me");
    return { me: unwrap(result), etag: result.response.headers.get("etag") };
  }, [api]);
  return (
    <>
      <section aria-labelledby="profile-h">
        <h2 id="profile-h">Profile</h2>
        <Loaded load={profile} what="Loading your profile">
          {(p) => <ProfileForm me={p.me} etag={p.etag} onReload={profile.reload} />}
        </Loaded>
      </section>
      <PasswordForm />
    </>
  );
}

function ProfileForm({ me, etag, onReload }: { me: Me; etag: string | null; onReload(): void }) {
  const api = useApi();
  const prefix = useId();
  const [name, setName] = useState(me.name);
  const [locale, setLocale] = useState<Locale>(me.locale);
  const [version, setVersion] = useState(etag);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [state, setState] = useState<{ busy?: boolean; done?: string; error?: string; stale?: boolean }>({});

  async function save(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!name.trim()) found.name = "Enter your name.";
    else if (name.trim().length > 100) found.name = "A name has at most 100 characters.";
    setErrors(found);
    if (Object.keys(found).length) {
      setState({});
      focusFirst(prefix, found, ["name"]);
      return;
    }
    setState({ busy: true });
    try {
      const result = await api.client.PATCH("/api/me", {
        body: { name: name.trim(), locale },
        headers: version ? { "If-Match": version } : {},
      });
      const saved = unwrap(result);
      setVersion(result.response.headers.get("etag"));
      setName(saved.name);
      setLocale(saved.locale);
      setState({ done: "Profile saved." });
    } catch (e) {
      const problem = formProblem(e, ["name", "locale"]);
      setErrors(problem.fields);
      setState({ error: problem.message, stale: e instanceof ApiError && e.status === 412 });
    }
  }

  return (
    <form onSubmit={save} noValidate className="card account-form">
      <dl className="facts">
        <div>
          <dt>Email</dt>
          <dd>{me.email}</dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd>{date(me.createdAt)}</dd>
        </div>
      </dl>
      <TextField
        prefix={prefix}
        name="name"
        label="Name"
        value={name}
        onChange={setName}
        error={errors.name}
        autoComplete="name"
        maxLength={100}
        required
      />
      <div className="field">
        <label htmlFor={`${prefix}-locale`}>Language</label>
        <select
          id={`${prefix}-locale`}
          value={locale}
          onChange={(e) => setLocale(e.target.value as Locale)}
          aria-describedby={`${prefix}-locale-hint${errors.locale ? ` ${prefix}-locale-error` : ""}`}
          aria-invalid={errors.locale ? true : undefined}
        >
          {LOCALES.map((l) => (
            <option key={l.value} value={l.value} lang={l.value}>
              {l.label}
            </option>
          ))}
        </select>
        <span id={`${prefix}-locale-hint`} className="hint muted">
          The language of your emails and invoices.
        </span>
        {errors.locale && (
          <span id={`${prefix}-locale-error`} className="field-error">
            {errors.locale}
          </span>
        )}
      </div>
      {state.error && (
        <div className="status error" role="alert">
          <p>{state.error}</p>
          {state.stale && (
            <button type="button" className="secondary" onClick={onReload}>
              Reload profile
            </button>
          )}
        </div>
      )}
      {state.done && <Done>{state.done}</Done>}
      <button type="submit" disabled={state.busy}>
        {state.busy ? "Saving…" : "Save profile"}
      </button>
    </form>
  );
}

const PASSWORD_FIELDS = ["currentPassword", "newPassword", "repeatPassword"] as const;

function PasswordForm() {
  const api = useApi();
  const prefix = useId();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [state, setState] = useState<{ busy?: boolean; done?: string; error?: string }>({});

  async function change(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!current) found.currentPassword = "Enter your current password.";
    if (next.length < 8) found.newPassword = "A password has at least 8 characters.";
    else if (next.length > 256) found.newPassword = "A password has at most 256 characters.";
    else if (next === current) found.newPassword = "Choose a new password different from the current one.";
    if (!found.newPassword && repeat !== next) found.repeatPassword = "The two new passwords differ.";
    setErrors(found);
    if (Object.keys(found).length) {
      setState({});
      focusFirst(prefix, found, PASSWORD_FIELDS);
      return;
    }
    setState({ busy: true });
    try {
      const body = { currentPassword: current, newPassword: next, refreshToken: api.tokens.refreshToken };
      unwrap(await api.client.POST("/api/me/password", { body }));
    } catch (e) {
      const problem = formProblem(e, PASSWORD_FIELDS, {
        wrong_password: "currentPassword",
        weak_password: "newPassword",
      });
      setErrors(problem.fields);
      setState({ error: problem.message });
      focusFirst(prefix, problem.fields, PASSWORD_FIELDS);
      return;
    }
    setCurrent("");
    setNext("");
    setRepeat("");
    setState({ done: "Password changed. Your other devices are signed out; this one stays signed in." });
  }

  return (
    <section aria-labelledby={`${prefix}-h`}>
      <h2 id={`${prefix}-h`}>Change password</h2>
      <form onSubmit={change} noValidate className="card account-form">
        <TextField
          prefix={prefix}
          name="currentPassword"
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={setCurrent}
          error={errors.currentPassword}
          required
        />
        <TextField
          prefix={prefix}
          name="newPassword"
          label="New password"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={setNext}
          error={errors.newPassword}
          hint="At least 8 characters."
          required
        />
        <TextField
          prefix={prefix}
          name="repeatPassword"
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={setRepeat}
          error={errors.repeatPassword}
          required
        />
        {state.error && <FormError>{state.error}</FormError>}
        {state.done && <Done>{state.done}</Done>}
        <button type="submit" disabled={state.busy}>
          {state.busy ? "Changing…" : "Change password"}
        </button>
      </form>
    </section>
  );
}
