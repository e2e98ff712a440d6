// Sign in and register. Once signed in, the refresh token keeps the driver signed in across reloads.
import { useId, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { errorText } from "../api/problem";
import { useAuth } from "../auth/AuthContext";

function useNext(): string {
  const [params] = useSearchParams();
  const next = params.get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/"; // only our own pages
}

export function SignInScreen({ register = false }: { register?: boolean }) {
  const auth = useAuth();
  const navigate = useNavigate();
  const next = useNext();
  const id = useId();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});

  async function submit(event: FormEvent) {
    event.preventDefault();
    setState({ busy: true });
    try {
      if (register) await auth.register(name, email, password);
      else await auth.signIn(email, password);
      navigate(next, { replace: true });
    } catch (e) {
      setState({ error: errorText(e) });
    }
  }

  const title = register ? "Create an account" : "Sign in";
  return (
    <div className="page narrow">
      <h1>{title}</h1>
      <form onSubmit={submit} aria-label={title}>
        {register && (
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              autoComplete="name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete={register ? "new-password" : "current-password"}
            required
            minLength={register ? 8 : 1}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {state.error && (
          <p className="status error" role="alert">
            {state.error}
          </p>
        )}
        <button type="submit" disabled={state.busy}>
          {state.busy ? "Please wait…" : title}
        </button>
      </form>
      <p>
        {register ? (
          <>
            Already have an account? <Link to={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link to={`/register?next=${encodeURIComponent(next)}`}>Create an account</Link>
          </>
        )}
      </p>
    </div>
  );
}
