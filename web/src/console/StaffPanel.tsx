// The provider's staff and invitations: invite by email (the API answers the invite's token once, to pass on),
// revoke pending invites, remove staff. Staff members see the list; the provider's admins change it.
import { useId, useState, type FormEvent } from "react";

import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { date } from "../format";

type Role = "provider_staff" | "provider_admin";
const roleName = (r: string) => (r === "provider_admin" ? "Admin" : r === "provider_staff" ? "Staff" : r);

export function StaffPanel({ providerId, admin }: { providerId: string; admin: boolean }) {
  const api = useApi();
  const id = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("provider_staff");
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ email: string; token: string } | null>(null);
  const data = useLoad(async () => {
    const [staff, invites] = await Promise.all([
      api.client.GET("/api/providers/{providerId}/staff", { params: { path: { providerId }, query: { limit: 100 } } }),
      admin
        ? api.client.GET("/api/providers/{providerId}/invites", { params: { path: { providerId }, query: { limit: 100 } } })
        : Promise.resolve(null),
    ]);
    return { staff: unwrap(staff).items, invites: invites ? unwrap(invites).items : [] };
  }, [api, providerId, admin]);

  async function invite(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setCreated(null);
    try {
      const made = unwrap(
        await api.client.POST("/api/providers/{providerId}/invites", { params: { path: { providerId } }, body: { email: email.trim(), role } }),
      );
      setCreated({ email: made.email, token: made.token });
      setEmail("");
      data.reload();
    } catch (e) {
      setError(errorText(e));
    }
  }
  async function act(call: () => Promise<{ response: Response; error?: unknown; data?: unknown }>) {
    setError(null);
    try {
      unwrap(await call());
      data.reload();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section aria-labelledby="staff-h">
      <h2 id="staff-h">Staff</h2>
      {admin && (
        <form className="card" onSubmit={invite}>
          <h3>Invite someone</h3>
          <div className="row">
            <div className="field">
              <label htmlFor={`${id}-e`}>Email</label>
              <input id={`${id}-e`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-r`}>Role</label>
              <select id={`${id}-r`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
                <option value="provider_staff">Staff (reads, runs stations)</option>
                <option value="provider_admin">Admin (also tariffs, staff)</option>
              </select>
            </div>
          </div>
          <button type="submit">Send invite</button>
          {created && (
            <p className="status" role="status">
              Invited {created.email}. Their invite code (shown once): <code>{created.token}</code>
            </p>
          )}
        </form>
      )}
      {error && <ErrorMessage>{error}</ErrorMessage>}
      <Loaded load={data} what="Loading staff">
        {({ staff, invites }) => (
          <>
            {staff.length === 0 ? (
              <Empty>No staff yet.</Empty>
            ) : (
              <ul className="cards">
                {staff.map((u) => (
                  <li key={u.id}>
                    {u.name} <span className="muted">{u.email}</span>{" "}
                    {u.roles.filter((r) => r.startsWith("provider")).map((r) => (
                      <span key={r} className="badge">
                        {roleName(r)}
                      </span>
                    ))}
                    {admin && (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => {
                          if (window.confirm(`Remove ${u.name} from your staff?`))
                            void act(() => api.client.DELETE("/api/providers/{providerId}/staff/{userId}", { params: { path: { providerId, userId: u.id } } }));
                        }}
                      >
                        Remove {u.name}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {admin && (
              <>
                <h3>Invitations</h3>
                {invites.length === 0 ? (
                  <Empty>No invitations.</Empty>
                ) : (
                  <ul className="cards">
                    {invites.map((i) => (
                      <li key={i.id}>
                        {i.email} <span className="badge">{roleName(i.role)}</span> {i.status}
                        <span className="muted"> · expires {date(i.expiresAt)}</span>
                        {i.status === "pending" && (
                          <button
                            type="button"
                            className="secondary"
                            onClick={() => void act(() => api.client.DELETE("/api/providers/{providerId}/invites/{inviteId}", { params: { path: { providerId, inviteId: i.id } } }))}
                          >
                            Revoke invite for {i.email}
                          </button>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
