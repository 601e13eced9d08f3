import { applyObject, type ApplyContext, type Applied } from "../../kube/apply.ts";
import { groupByWave } from "../../kube/desired-state.ts";
import type { KubeObject } from "../../api/object.ts";
import { health, type Health } from "../../resources/health.ts";
import type { Rendered } from "../../resources/render.ts";

/** Where one component stands after a rollout step. */
export interface ComponentState {
  readonly name: string;
  readonly phase: "Waiting" | "Progressing" | "Ready" | "Degraded";
  readonly ready: boolean;
  readonly message: string;
  readonly objects: ReadonlyArray<{ readonly object: KubeObject; readonly health: Health }>;
}

/** The outcome of {@link rollout}. */
export interface Rollout {
  readonly components: ComponentState[];
  readonly applied: Applied[];
  /** True when every component is healthy. */
  readonly complete: boolean;
}

/**
 * Applies a rendered stack level by level in dependency order: the components
 * of a level are applied together (their objects in kind waves), then judged
 * by the health of their live objects; a level that is not healthy yet stops
 * the rollout there, and the components after it wait. Compare-before-write
 * makes a converged level cost nothing, so this runs on every reconcile.
 * `skip` names objects not to apply this time (a drift fight in backoff).
 */
export async function rollout(
  ctx: ApplyContext,
  rendered: Rendered,
  levels: readonly (readonly string[])[],
  skip: (object: KubeObject) => boolean = () => false,
): Promise<Rollout> {
  const byName = new Map(rendered.components.map((c) => [c.name, c]));
  const states = new Map<string, ComponentState>();
  const applied: Applied[] = [];
  let blockedBy: string | undefined;
  for (const level of levels) {
    if (blockedBy) {
      for (const name of level) {
        states.set(name, {
          name,
          phase: "Waiting",
          ready: false,
          message: `waiting for ${blockedBy}`,
          objects: [],
        });
      }
      continue;
    }
    const components = level.map((name) => byName.get(name)).filter((c) => c !== undefined);
    const results = new Map<KubeObject, Applied>();
    for (const wave of groupByWave(components.flatMap((c) => c.objects).filter((o) => !skip(o)))) {
      const done = await Promise.all(wave.map(async (o) => [o, await applyObject(ctx, o)] as const));
      for (const [o, a] of done) {
        results.set(o, a);
        applied.push(a);
      }
    }
    for (const component of components) {
      const objects = component.objects.map((o) => {
        const live = results.get(o)?.object ?? o;
        return { object: live, health: health(live) };
      });
      const unhealthy = objects.filter((x) => x.health.status !== "Healthy");
      const degraded = unhealthy.find((x) => x.health.status === "Degraded");
      const describe = (x: (typeof objects)[number]): string =>
        `${x.object.kind}/${x.object.metadata.name}: ${x.health.message}`;
      states.set(component.name, {
        name: component.name,
        phase: unhealthy.length === 0 ? "Ready" : degraded ? "Degraded" : "Progressing",
        ready: unhealthy.length === 0,
        message: unhealthy.length === 0 ? "ready" : unhealthy.map(describe).join("; "),
        objects,
      });
    }
    const waiting = components.filter((c) => !states.get(c.name)?.ready).map((c) => c.name);
    if (waiting.length > 0) blockedBy = waiting.join(", ");
  }
  const ordered = rendered.components.map((c) => states.get(c.name)).filter((s) => s !== undefined);
  return { components: ordered, applied, complete: ordered.every((s) => s.ready) };
}
