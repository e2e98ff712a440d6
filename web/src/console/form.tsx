// Field-level messages for the console's forms, one way for all of them: a message beside its field
// (aria-invalid, aria-describedby), focus on the first invalid field in the form's order, and after the API
// refuses, a 422's field errors (or a known problem code) put beside the fields they are about, the rest in words.
import { useId, useRef, useState, type ReactNode } from "react";

import { ApiError, errorText } from "../api/problem";

export type FieldErrors = Record<string, string>;

export interface RefusalMap {
  /** the form's field for an API field path such as "validFrom" or "connectors.0.maxPowerKw" */
  field?(apiField: string): string | undefined;
  /** the form's field for a problem code without field errors, e.g. promo_period_invalid -> validUntil */
  codes?: Record<string, string>;
}

export function useFieldErrors() {
  const id = useId();
  const ref = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<FieldErrors>({});

  const fid = (key: string) => `${id}-${key}`;
  const errorId = (key: string) => `${id}-${key}-err`;

  /** id, name, aria-invalid and aria-describedby of the control for `key` (plus a hint's id, if any). */
  const control = (key: string, hint?: string) => {
    const described = [errors[key] ? errorId(key) : null, hint ?? null].filter(Boolean).join(" ");
    return {
      id: fid(key),
      name: key,
      "aria-invalid": errors[key] ? (true as const) : undefined,
      "aria-describedby": described || undefined,
    };
  };

  const message = (key: string): ReactNode =>
    errors[key] ? (
      <span id={errorId(key)} className="field-error">
        {errors[key]}
      </span>
    ) : null;

  function focusFirst(found: FieldErrors) {
    const form = ref.current;
    if (!form) return;
    const controls = Array.from(form.querySelectorAll<HTMLElement>("[name]"));
    const first = controls.find((c) => {
      const name = c.getAttribute("name");
      return name !== null && name in found;
    });
    first?.focus();
  }

  /** Shows `found` beside their fields and focuses the first; true when something is wrong. */
  function check(found: FieldErrors): boolean {
    setErrors(found);
    if (Object.keys(found).length === 0) return false;
    focusFirst(found);
    return true;
  }

  /**
   * After a refused request: the field errors the form has a field for go beside it (and the first gets focus);
   * the returned text (the problem's detail and any field errors left over) is for the form's alert.
   */
  function refused(error: unknown, map: RefusalMap = {}): string {
    if (!(error instanceof ApiError)) return errorText(error);
    const names = new Set(Array.from(ref.current?.querySelectorAll("[name]") ?? []).map((c) => c.getAttribute("name")));
    const known = (key: string | undefined) => (key !== undefined && names.has(key) ? key : undefined);
    const found: FieldErrors = {};
    const rest: string[] = [];
    for (const e of error.problem.errors ?? []) {
      const where = e.field ?? e.loc?.filter((p) => p !== "body").join(".") ?? "";
      const what = e.message ?? e.msg ?? "";
      const key = known(map.field?.(where) ?? where);
      if (key && !found[key]) found[key] = what;
      else if (what) rest.push(where && where !== "body" ? `${where}: ${what}` : what);
    }
    const main = error.problem.detail || error.problem.title || error.message;
    const byCode = known(error.code ? map.codes?.[error.code] : undefined);
    if (byCode && !found[byCode]) found[byCode] = main;
    setErrors(found);
    if (Object.keys(found).length > 0) focusFirst(found);
    return rest.length ? `${main} (${rest.join("; ")})` : main;
  }

  return {
    ref,
    errors,
    id: fid,
    control,
    message,
    check,
    refused,
    clear: () => setErrors({}),
  };
}

export type FieldErrorsApi = ReturnType<typeof useFieldErrors>;

/** A whole number from a text field, or null when empty; NaN when not a whole number. */
export function wholeNumber(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  return /^\d+$/.test(t) ? Number(t) : Number.NaN;
}
