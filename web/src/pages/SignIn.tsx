import { useState, type FormEvent, type ReactElement } from "react";
import { api, ApiError, type Me } from "../api.ts";

/** Sign in with an API token; the token is checked with whoami before it is kept. */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string, me: Me) => void }): ReactElement {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const me = await api.whoami(token.trim());
      onSignedIn(token.trim(), me);
    } catch (err: unknown) {
      setError(
        err instanceof ApiError && err.status === 401
          ? "That token was not accepted. Check it and try again."
          : `Could not sign in: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" tabIndex={-1} className="signin">
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Stackwarden</h1>
        <p className="muted">
          Paste an API token. The first admin token is printed when <code>stackwarden up</code> starts and
          kept in <code>.stackwarden/admin-token</code>.
        </p>
        <div className="field">
          <label htmlFor="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="current-password"
            required
            value={token}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "token-error" : undefined}
            onChange={(e) => setToken(e.target.value)}
          />
          <p id="token-error" className="field-error" role={error ? "alert" : undefined}>
            {error}
          </p>
        </div>
        <button type="submit" className="primary" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="help">The token is kept for this browser tab only and forgotten when you close it.</p>
      </form>
    </main>
  );
}
