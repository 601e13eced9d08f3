import type { ReactElement } from "react";
import type { Condition, ManagedResource, Observed } from "../api.ts";
import { PhaseBadge } from "../components/PhaseBadge.tsx";
import { formatAge } from "../logic/age.ts";
import { isRollingOut, parseReady, phaseTone, progressPercent } from "../logic/phase.ts";

/** One card per component: phase, readiness, and a progress bar while the stack installs or upgrades. */
export function Components(props: {
  observed: Observed | null;
  resources: readonly ManagedResource[];
  phase: string | null;
}): ReactElement {
  const components = props.observed?.components ?? [];
  if (components.length === 0) return <p className="muted">No component reported yet.</p>;
  const rolling = isRollingOut(props.phase);
  return (
    <ul className="cards">
      {components.map((c) => {
        const counts = parseReady(c.progress ?? null);
        const percent = counts ? progressPercent(counts.ready, counts.total) : c.ready ? 100 : 0;
        const objects = props.resources.filter((r) => r.component === c.name);
        return (
          <li
            key={c.name}
            className={`card component tone-border-${phaseTone(c.phase)}`}
            data-component={c.name}
          >
            <div className="component-head">
              <h3>{c.name}</h3>
              <PhaseBadge phase={c.phase ?? (c.ready ? "Ready" : "Pending")} label={`${c.name} phase`} />
            </div>
            <p className="component-ready">
              {c.ready ? "Ready" : "Not ready"}
              {counts ? ` · ${counts.ready}/${counts.total}` : ""}
            </p>
            {rolling || !c.ready ? (
              <div
                className="progress"
                role="progressbar"
                aria-label={`${c.name} progress`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent}
              >
                <div className="progress-fill" style={{ width: `${percent}%` }} />
              </div>
            ) : null}
            {c.message ? <p className="help">{c.message}</p> : null}
            {objects.length > 0 ? (
              <p className="help">{objects.map((r) => `${r.kind} ${r.name}`).join(", ")}</p>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** The stack's conditions (Ready, Progressing, Degraded, Available, Paused). */
export function Conditions({
  conditions,
  now,
}: {
  conditions: readonly Condition[];
  now: number;
}): ReactElement {
  if (conditions.length === 0) return <p className="muted">No condition reported yet.</p>;
  return (
    <div className="table-wrap">
      <table className="conditions">
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((c) => (
            <tr key={c.type} data-condition={c.type}>
              <th scope="row">{c.type}</th>
              <td>
                <span className={`badge ${conditionTone(c)}`}>{c.status}</span>
              </td>
              <td>{c.reason ?? ""}</td>
              <td>{c.message ?? ""}</td>
              <td>{c.lastTransitionTime ? formatAge(c.lastTransitionTime, now) : "-"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function conditionTone(c: Condition): string {
  const bad = c.type === "Degraded";
  if (c.status === "True") return bad ? "tone-warn" : c.type === "Paused" ? "tone-paused" : "tone-ok";
  if (c.status === "False")
    return bad ? "tone-ok" : c.type === "Ready" || c.type === "Available" ? "tone-warn" : "tone-neutral";
  return "tone-neutral";
}

/** The Kubernetes objects the stack manages, by UID; deleted ones (drift, replaced) are listed after, struck through. */
export function Resources({
  resources,
  now,
}: {
  resources: readonly ManagedResource[];
  now: number;
}): ReactElement {
  if (resources.length === 0) return <p className="muted">No object seen yet.</p>;
  const sorted = [...resources].sort(
    (a, b) => Number(a.deletedAt !== null) - Number(b.deletedAt !== null) || a.kind.localeCompare(b.kind),
  );
  return (
    <div className="table-wrap">
      <table className="resources">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Component</th>
            <th scope="col">Health</th>
            <th scope="col">UID</th>
            <th scope="col">Seen</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.uid} className={r.deletedAt ? "gone" : undefined} data-kind={r.kind} data-uid={r.uid}>
              <th scope="row">{r.kind}</th>
              <td>{r.name}</td>
              <td>{r.component}</td>
              <td>
                {r.deletedAt ? (
                  <span className="badge tone-error">Deleted {formatAge(r.deletedAt, now)} ago</span>
                ) : (
                  <PhaseBadge phase={r.health || "Unknown"} />
                )}
              </td>
              <td>
                <code className="uid">{r.uid}</code>
              </td>
              <td>{formatAge(r.lastSeenAt, now)} ago</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
