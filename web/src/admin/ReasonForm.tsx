// A required reason, then an action: rejecting an application, hiding or restoring a review.
import { useId, useState, type FormEvent } from "react";

export function ReasonForm({
  label,
  submit,
  onSubmit,
  onCancel,
}: {
  label: string;
  submit: string;
  onSubmit(reason: string): Promise<void>;
  onCancel(): void;
}) {
  const id = useId();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  async function send(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await onSubmit(reason.trim());
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={send} className="reason">
      <div className="field">
        <label htmlFor={`${id}-r`}>{label}</label>
        <textarea id={`${id}-r`} required autoFocus maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      <button type="submit" disabled={busy || !reason.trim()}>
        {submit}
      </button>{" "}
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
