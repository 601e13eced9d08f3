import { useCallback, useEffect, useState, type ReactElement } from "react";
import { api, ApiError, type Cluster } from "../api.ts";
import { ConfirmDialog } from "../components/ConfirmDialog.tsx";
import { formatAge } from "../logic/age.ts";
import { useNow } from "../live.ts";

const connectionTone = { Connected: "tone-ok", Disconnected: "tone-error" } as const;

/**
 * Admins' view of the clusters: each with its mode, connection, last contact,
 * versions and stack count (refreshed every 5 s); registering an agent
 * cluster shows its one-time join token once; an agent's credential can be
 * revoked after a confirmation.
 */
export function ClustersPage(): ReactElement {
  const [clusters, setClusters] = useState<Cluster[] | null>(null);
  const [error, setError] = useState("");
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState("");
  const [issued, setIssued] = useState<{ name: string; joinToken: string } | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const now = useNow();
  const load = useCallback((): void => {
    api.clusters().then(
      (list) => {
        setClusters(list);
        setError("");
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  useEffect(load, [load, now]);

  const register = async (): Promise<void> => {
    setNameError("");
    try {
      const added = await api.registerAgentCluster(name.trim());
      setIssued({ name: added.name, joinToken: added.joinToken });
      setName("");
      load();
    } catch (e: unknown) {
      const field = e instanceof ApiError ? e.errors.find((f) => f.path === "/name") : undefined;
      setNameError(field?.message ?? (e instanceof Error ? e.message : String(e)));
    }
  };
  const revoke = async (cluster: string): Promise<void> => {
    setRevoking(null);
    try {
      await api.revokeAgent(cluster);
    } catch (e: unknown) {
      setError(e instanceof Error ? e.message : String(e));
    }
    load();
  };

  return (
    <main id="main" tabIndex={-1}>
      <div className="page-head">
        <h1>Clusters</h1>
      </div>
      {error ? (
        <p className="banner error" role="alert">
          {error}
        </p>
      ) : null}
      <form
        className="register-cluster"
        onSubmit={(e) => {
          e.preventDefault();
          void register();
        }}
      >
        <div className="field">
          <label htmlFor="cluster-name">Cluster name</label>
          <input
            id="cluster-name"
            value={name}
            required
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? "cluster-name-error" : undefined}
            onChange={(e) => setName(e.target.value)}
          />
          {nameError ? (
            <span id="cluster-name-error" className="field-error">
              {nameError}
            </span>
          ) : null}
        </div>
        <button type="submit" className="primary">
          Register agent cluster
        </button>
      </form>
      {issued ? (
        <section className="banner join-token" aria-labelledby="join-token-title">
          <h2 id="join-token-title">Join token for {issued.name}</h2>
          <p>
            Shown this once: put it in the agent&apos;s <code>--token-file</code> (or the Secret{" "}
            <code>stackwarden-agent-join</code>). It works for one join.
          </p>
          <code className="token" data-testid="join-token">
            {issued.joinToken}
          </code>
          <button type="button" onClick={() => setIssued(null)}>
            Done
          </button>
        </section>
      ) : null}
      {clusters === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <table className="clusters">
          <caption className="visually-hidden">Clusters ({clusters.length})</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Mode</th>
              <th scope="col">Connection</th>
              <th scope="col">Last seen</th>
              <th scope="col">Agent</th>
              <th scope="col">Kubernetes</th>
              <th scope="col">Stacks</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {clusters.map((c) => (
              <tr key={c.name} data-cluster={c.name}>
                <td>{c.name}</td>
                <td>{c.mode}</td>
                <td className="connection-cell">
                  {c.connection ? (
                    <span className={`badge ${connectionTone[c.connection]}`}>{c.connection}</span>
                  ) : (
                    <span className="muted">direct</span>
                  )}
                </td>
                <td className="last-seen-cell" title={c.lastSeen ?? ""}>
                  {c.lastSeen ? `${formatAge(c.lastSeen, now)} ago` : "never"}
                </td>
                <td className="agent-cell">{c.agentVersion ?? "-"}</td>
                <td>{c.kubernetesVersion ?? "-"}</td>
                <td className="stacks-cell">{c.stackCount}</td>
                <td>
                  {c.mode === "agent" && c.agentJoined ? (
                    <button type="button" className="danger" onClick={() => setRevoking(c.name)}>
                      Revoke agent
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke the agent of ${revoking ?? ""}?`}
        confirmLabel="Revoke"
        danger
        onConfirm={() => void (revoking && revoke(revoking))}
        onCancel={() => setRevoking(null)}
      >
        <p>
          Its credential stops working at once and the cluster shows Disconnected. Its stacks keep running; a
          new join token lets an agent in again.
        </p>
      </ConfirmDialog>
    </main>
  );
}
