// "Become a provider": the application (POST /api/provider-applications) and its status: the caller's latest
// application from GET /api/me/provider-application (404 `application_not_found` until they apply), so it is
// found from any browser. A 409 `application_pending` means one is waiting: that same read shows it.
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";

import type { Bodies, Schemas } from "../api/client";
import { ApiError, unwrap } from "../api/problem";
import { useAuth } from "../auth/AuthContext";
import { Loading } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { isProvider } from "../console/roles";
import { date, dateTime } from "../format";
import { Done, FormError, TextField, focusFirst, formProblem, type FieldErrors } from "./fields";

type Application = Schemas["ProviderApplication"];

const STATUS: Record<Application["status"], string> = {
  pending: "Waiting for a decision",
  approved: "Approved",
  rejected: "Rejected",
};

export function ProviderApplicationPanel() {
  const { me } = useAuth();
  if (me === null) return <Loading what="Loading your account" />;
  return <ProviderApplication inProvider={Boolean(me.providerId)} consoleReady={isProvider(me)} />;
}

function ProviderApplication({ inProvider, consoleReady }: { inProvider: boolean; consoleReady: boolean }) {
  const { api } = useAuth();
  const [applying, setApplying] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const application = useLoad(async () => {
    try {
      return unwrap(await api.client.GET("/api/me/provider-application"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null; // never applied
      throw e;
    }
  }, [api]);

  function show(message: string) {
    setApplying(false);
    setNotice(message);
    application.reload();
  }

  let body;
  if (application.state === "loading") body = <Loading what="Loading your application" />;
  else if (application.state === "error")
    body = (
      <div className="status error" role="alert">
        <p>{application.error}</p>
        <button type="button" onClick={application.reload}>
          Try again
        </button>
      </div>
    );
  else if (application.data && !applying)
    body = (
      <ApplicationStatus
        application={application.data}
        consoleReady={consoleReady}
        onRefresh={() => {
          setNotice(null);
          application.reload();
        }}
        onApplyAgain={() => {
          setNotice(null);
          setApplying(true);
        }}
      />
    );
  else if (inProvider)
    body = (
      <p className="card">
        Your account belongs to a charging provider already. <Link to="/console">Open the provider console</Link>.
      </p>
    );
  else
    body = (
      <ApplicationForm
        previous={application.data ?? undefined}
        onSent={() => show("Application sent. A platform admin will review it.")}
        onPending={() => show("You already have a pending application: here it is.")}
      />
    );

  return (
    <section aria-labelledby="provider-h">
      <h2 id="provider-h">Become a provider</h2>
      <p className="muted">
        Run charging stations on Watt&apos;s Up: once a platform admin approves your application, your account
        becomes the admin of your new provider, with its own console for stations, tariffs and staff.
      </p>
      {notice && <Done>{notice}</Done>}
      {body}
    </section>
  );
}

function ApplicationStatus({
  application: a,
  consoleReady,
  onRefresh,
  onApplyAgain,
}: {
  application: Application;
  consoleReady: boolean;
  onRefresh(): void;
  onApplyAgain(): void;
}) {
  return (
    <div className="card" aria-labelledby="application-h" role="group">
      <h3 id="application-h">Your application</h3>
      <p>
        Status: <strong>{STATUS[a.status]}</strong>
        {a.decidedAt && <> ({dateTime(a.decidedAt)})</>}
      </p>
      {a.status === "pending" && <p>Sent on {date(a.createdAt)}. You will get a notification once it is decided.</p>}
      {a.status === "approved" &&
        (consoleReady ? (
          <p>
            {a.displayName} is your provider now. <Link to="/console">Open the provider console</Link>.
          </p>
        ) : (
          <p>{a.displayName} is your provider now. Reload the page to open the provider console.</p>
        ))}
      {a.status === "rejected" && (
        <p>
          Reason: <span className="reason">{a.reason || "none given"}</span>
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Legal name</dt>
          <dd>{a.legalName}</dd>
        </div>
        <div>
          <dt>Display name</dt>
          <dd>{a.displayName}</dd>
        </div>
        <div>
          <dt>VAT ID</dt>
          <dd>{a.vatId}</dd>
        </div>
        <div>
          <dt>Country and currency</dt>
          <dd>
            {a.country}, {a.currency}
          </dd>
        </div>
        <div>
          <dt>Support email</dt>
          <dd>{a.supportEmail}</dd>
        </div>
      </dl>
      <div className="actions">
        {a.status === "pending" && (
          <button type="button" className="secondary" onClick={onRefresh}>
            Check the status again
          </button>
        )}
        {a.status === "rejected" && (
          <button type="button" onClick={onApplyAgain}>
            Apply again
          </button>
        )}
      </div>
    </div>
  );
}

const FIELDS = [
  "legalName",
  "displayName",
  "vatId",
  "country",
  "currency",
  "supportEmail",
  "supportPhone",
  "billingAddress.lines.0",
  "billingAddress.lines.1",
  "billingAddress.postalCode",
  "billingAddress.city",
  "billingAddress.country",
] as const;
type Field = (typeof FIELDS)[number];
type Values = Record<Field, string>;

const VAT = /^[A-Z0-9]{4,16}$/;
const PHONE = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function initialValues(previous?: Application): Values {
  const address = previous?.billingAddress;
  return {
    legalName: previous?.legalName ?? "",
    displayName: previous?.displayName ?? "",
    vatId: previous?.vatId ?? "",
    country: previous?.country ?? "",
    currency: previous?.currency ?? "EUR",
    supportEmail: previous?.supportEmail ?? "",
    supportPhone: previous?.supportPhone ?? "",
    "billingAddress.lines.0": address?.lines[0] ?? "",
    "billingAddress.lines.1": address?.lines[1] ?? "",
    "billingAddress.postalCode": address?.postalCode ?? "",
    "billingAddress.city": address?.city ?? "",
    "billingAddress.country": address?.country ?? "",
  };
}

/** The checks the API makes, in words, before anything is sent. */
export function validateApplication(v: Values): FieldErrors {
  const e: FieldErrors = {};
  const t = (f: Field) => v[f].trim();
  if (t("legalName").length < 2) e.legalName = "Enter the company's legal name (at least 2 characters).";
  else if (t("legalName").length > 200) e.legalName = "At most 200 characters.";
  if (t("displayName").length < 2) e.displayName = "Enter the name drivers will see (at least 2 characters).";
  else if (t("displayName").length > 100) e.displayName = "At most 100 characters.";
  if (!VAT.test(t("vatId").replace(/[\s\-.]/g, "").toUpperCase()))
    e.vatId = "A VAT ID is 4 to 16 letters and digits, e.g. DE123456789.";
  if (!/^[A-Za-z]{2}$/.test(t("country"))) e.country = "Two letters (ISO 3166), e.g. DE.";
  if (!/^[A-Za-z]{3}$/.test(t("currency"))) e.currency = "Three letters (ISO 4217), e.g. EUR.";
  if (!EMAIL.test(t("supportEmail"))) e.supportEmail = "Enter an email address drivers can write to.";
  if (t("supportPhone") && !PHONE.test(t("supportPhone").replace(/[\s\-./()]/g, "")))
    e.supportPhone = "Give the number in international format, e.g. +49 30 1234567.";
  const address: Field[] = [
    "billingAddress.lines.0",
    "billingAddress.lines.1",
    "billingAddress.postalCode",
    "billingAddress.city",
    "billingAddress.country",
  ];
  if (address.some((f) => t(f))) {
    if (!t("billingAddress.lines.0")) e["billingAddress.lines.0"] = "Enter the street and number.";
    if (!t("billingAddress.city")) e["billingAddress.city"] = "Enter the city.";
    if (!/^[A-Za-z]{2}$/.test(t("billingAddress.country")))
      e["billingAddress.country"] = "Two letters (ISO 3166), e.g. DE.";
    if (t("billingAddress.postalCode").length > 20) e["billingAddress.postalCode"] = "At most 20 characters.";
  }
  return e;
}

export function applicationBody(v: Values): Bodies["ProviderApply"] {
  const t = (f: Field) => v[f].trim();
  const hasAddress = Boolean(t("billingAddress.lines.0") || t("billingAddress.city"));
  return {
    legalName: t("legalName"),
    displayName: t("displayName"),
    vatId: t("vatId"),
    country: t("country").toUpperCase(),
    currency: t("currency").toUpperCase(),
    supportEmail: t("supportEmail"),
    supportPhone: t("supportPhone") || null,
    billingAddress: hasAddress
      ? {
          lines: [t("billingAddress.lines.0"), t("billingAddress.lines.1")].filter(Boolean),
          postalCode: t("billingAddress.postalCode"),
          city: t("billingAddress.city"),
          country: t("billingAddress.country").toUpperCase(),
        }
      : null,
  };
}

function ApplicationForm({
  previous,
  onSent,
  onPending,
}: {
  previous?: Application;
  onSent(application: Application): void;
  onPending(): void;
}) {
  const { api } = useAuth();
  const prefix = useId();
  const [values, setValues] = useState<Values>(() => initialValues(previous));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});

  const field = (name: Field, label: string, extra: Partial<Parameters<typeof TextField>[0]> = {}) => (
    <TextField
      prefix={prefix}
      name={name}
      label={label}
      value={values[name]}
      onChange={(value) => setValues((all) => ({ ...all, [name]: value }))}
      error={errors[name]}
      {...extra}
    />
  );

  async function send(event: FormEvent) {
    event.preventDefault();
    const found = validateApplication(values);
    setErrors(found);
    if (Object.keys(found).length) {
      setState({ error: "Some fields need your attention." });
      focusFirst(prefix, found, FIELDS);
      return;
    }
    setState({ busy: true });
    try {
      const result = await api.client.POST("/api/provider-applications", { body: applicationBody(values) });
      onSent(unwrap(result));
    } catch (e) {
      if (e instanceof ApiError && e.code === "application_pending") {
        onPending();
        return;
      }
      const problem = formProblem(e, [...FIELDS, "billingAddress.lines", "billingAddress"]);
      const fields = { ...problem.fields };
      if (fields["billingAddress.lines"]) fields["billingAddress.lines.0"] ??= fields["billingAddress.lines"];
      if (fields.billingAddress) fields["billingAddress.lines.0"] ??= fields.billingAddress;
      setErrors(fields);
      setState({ error: problem.message });
      focusFirst(prefix, fields, FIELDS);
    }
  }

  return (
    <form onSubmit={send} noValidate className="card account-form" aria-labelledby={`${prefix}-h`}>
      <h3 id={`${prefix}-h`}>{previous ? "Apply again" : "Application form"}</h3>
      <fieldset>
        <legend>Company</legend>
        {field("legalName", "Legal name", { autoComplete: "organization", maxLength: 200, required: true })}
        {field("displayName", "Display name", {
          hint: "The name drivers see on the map and on invoices.",
          maxLength: 100,
          required: true,
        })}
        {field("vatId", "VAT ID", { hint: "For example DE123456789.", maxLength: 20, required: true })}
        <div className="row">
          {field("country", "Country", {
            hint: "Two letters, e.g. DE.",
            maxLength: 2,
            autoComplete: "country",
            required: true,
          })}
          {field("currency", "Currency", {
            hint: "Three letters, e.g. EUR.",
            maxLength: 3,
            required: true,
          })}
        </div>
      </fieldset>
      <fieldset>
        <legend>Support contact for drivers</legend>
        {field("supportEmail", "Support email", { type: "email", autoComplete: "email", required: true })}
        {field("supportPhone", "Support phone (optional)", {
          type: "tel",
          autoComplete: "tel",
          hint: "International format, e.g. +49 30 1234567.",
          maxLength: 30,
        })}
      </fieldset>
      <fieldset>
        <legend>Billing address (optional)</legend>
        <p className="muted small">The seller&apos;s address on your invoices; you can add it later.</p>
        {field("billingAddress.lines.0", "Street and number", { autoComplete: "address-line1", maxLength: 200 })}
        {field("billingAddress.lines.1", "Address line 2 (optional)", {
          autoComplete: "address-line2",
          maxLength: 200,
        })}
        <div className="row">
          {field("billingAddress.postalCode", "Postal code", { autoComplete: "postal-code", maxLength: 20 })}
          {field("billingAddress.city", "City", { autoComplete: "address-level2", maxLength: 200 })}
          {field("billingAddress.country", "Address country", {
            hint: "Two letters, e.g. DE.",
            autoComplete: "country",
            maxLength: 2,
          })}
        </div>
      </fieldset>
      {state.error && <FormError>{state.error}</FormError>}
      <button type="submit" disabled={state.busy}>
        {state.busy ? "Sending…" : "Send application"}
      </button>
    </form>
  );
}
