// Form plumbing shared by the account screens: a labelled field with its message beside it, and the API's
// 422 field errors (problem `errors[].field`, e.g. "billingAddress.city") sorted onto the fields they name.
import type { InputHTMLAttributes, ReactNode } from "react";

import { ApiError, errorText } from "../api/problem";

export type FieldErrors = Record<string, string>;

export interface FormProblem {
  /** what goes above the form: the problem's detail, plus any field error no field on screen shows */
  message: string;
  /** field name -> message, shown beside that field */
  fields: FieldErrors;
}

/**
 * Splits an error into the messages beside fields and the rest. `known` are the field names on screen (dotted
 * paths as the API names them); `codes` maps a problem `code` to the field it is about (e.g. wrong_password).
 */
export function formProblem(error: unknown, known: readonly string[], codes: Record<string, string> = {}): FormProblem {
  if (!(error instanceof ApiError)) return { message: errorText(error), fields: {} };
  const fields: FieldErrors = {};
  const rest: string[] = [];
  for (const entry of error.problem.errors ?? []) {
    const where = (entry.field ?? entry.loc?.filter((p) => p !== "body").join(".") ?? "").replace(/^body\./, "");
    const what = entry.message ?? entry.msg ?? "is not valid";
    if (known.includes(where)) {
      fields[where] ??= what;
    } else {
      rest.push(where ? `${where}: ${what}` : what);
    }
  }
  const detail = error.problem.detail || error.problem.title || `The server answered ${error.status}.`;
  const byCode = error.code ? codes[error.code] : undefined;
  if (byCode && known.includes(byCode) && Object.keys(fields).length === 0) {
    return { message: detail, fields: { [byCode]: detail } };
  }
  if (Object.keys(fields).length === 0 && rest.length === 0) return { message: error.message, fields };
  return { message: rest.length ? `${detail} (${rest.join("; ")})` : detail, fields };
}

/** Moves focus to the first field (in `order`) that has a message; ids are `${prefix}-${field}`. */
export function focusFirst(prefix: string, errors: FieldErrors, order: readonly string[]): void {
  const first = order.find((f) => errors[f]);
  if (first) document.getElementById(fieldId(prefix, first))?.focus();
}

export const fieldId = (prefix: string, name: string) => `${prefix}-${name.replace(/\./g, "-")}`;

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange">;

/** A labelled input; its hint and its message are its accessible description. */
export function TextField({
  prefix,
  name,
  label,
  value,
  onChange,
  error,
  hint,
  ...input
}: {
  prefix: string;
  name: string;
  label: ReactNode;
  value: string;
  onChange(value: string): void;
  error?: string;
  hint?: ReactNode;
} & InputProps) {
  const id = fieldId(prefix, name);
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        {...input}
      />
      {hint && (
        <span id={`${id}-hint`} className="hint muted">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** A status line announced politely (saved, sent, ...). */
export function Done({ children }: { children: ReactNode }) {
  return (
    <p className="status done" role="status">
      {children}
    </p>
  );
}

/** The form's own problem, announced at once. */
export function FormError({ children }: { children: ReactNode }) {
  return (
    <p className="status error" role="alert">
      {children}
    </p>
  );
}
