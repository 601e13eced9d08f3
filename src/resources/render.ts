import type { KubeObject, ObjectMeta } from "../api/object.ts";
import type { Template } from "../templates/template.ts";
import { managedLabels, ownerReference, selectorLabels } from "./labels.ts";
import { managedByLabel, managedByValue } from "./labels.ts";

/** The root a template renders for (a Stack or a typed kind): its identity and generation. */
export interface RenderRoot {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generation: number;
  /**
   * Labels every child copies from the root (see `inheritedLabels`): the
   * control plane's stack id and template version. Never the root's
   * `stackwarden.dev/generation`: a child's is the root's metadata.generation.
   */
  readonly inherited?: Readonly<Record<string, string>>;
  /** The root's `spec.power` (game servers honour Stopped by scaling to zero). */
  readonly power?: "Running" | "Stopped";
  /** The root's `spec.restartedAt` (game servers put it on the pod template). */
  readonly restartedAt?: string;
}

/** One rendered component: its objects, ready to apply. */
export interface RenderedComponent {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly objects: KubeObject[];
}

/** What {@link render} returns: components in dependency order, and all their objects in that order. */
export interface Rendered {
  readonly components: RenderedComponent[];
  readonly objects: KubeObject[];
}

/** The name of the Secret holding a generated secret: `<stack>-<name>`. */
export function generatedSecretName(stack: string, generated: string): string {
  return `${stack}-${generated}`;
}

/** Kinds with no namespace: a namespaced root cannot own them, so templates may not render them. */
const clusterScoped = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
]);

/** Kinds with a pod template at `spec.template` and a selector at `spec.selector`. */
const workloads = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]);

/**
 * Renders a template for one root with already validated `params`.
 *
 * Guarantees: pure and deterministic (same input, deep-equal output; the
 * builders' objects are copied, never modified). Components come in
 * dependency order ({@link topologicalLevels}, template order within a level).
 * Every object gets the root's namespace, {@link managedLabels} and the
 * root's inherited labels over its own labels, and the {@link ownerReference}
 * to the root. Pod templates get the
 * component's {@link selectorLabels} where the builder did not set them; a
 * workload without `spec.selector` selects them; volume claim templates get
 * only the stable labels (they are immutable in a StatefulSet). Throws an
 * Error naming the problem for an unknown dependency, a cycle, a duplicate
 * component or object, an object without a name, or a cluster-scoped kind.
 */
export function render<P>(template: Template<P>, root: RenderRoot, params: P): Rendered {
  const levels = topologicalLevels(template.components);
  const byName = new Map(template.components.map((c) => [c.name, c]));
  const ctx = {
    stack: { name: root.name, namespace: root.namespace, uid: root.uid },
    params,
    secretName: (generated: string): string => generatedSecretName(root.name, generated),
    power: root.power ?? "Running",
    ...(root.restartedAt !== undefined ? { restartedAt: root.restartedAt } : {}),
  };
  const seen = new Set<string>();
  const components: RenderedComponent[] = [];
  for (const name of levels.flat()) {
    const component = byName.get(name);
    if (!component) continue;
    const objects = component.build(ctx).map((o) => {
      const out = finish(structuredClone(o), template.name, component.name, root);
      const key = `${out.apiVersion ?? ""}/${out.kind ?? ""}/${out.metadata.name}`;
      if (seen.has(key)) throw new Error(`template ${template.name} renders ${key} twice`);
      seen.add(key);
      return out;
    });
    components.push({ name, dependsOn: [...component.dependsOn], objects });
  }
  return { components, objects: components.flatMap((c) => c.objects) };
}

type Mutable = Record<string, unknown>;

function finish(o: KubeObject, templateName: string, component: string, root: RenderRoot): KubeObject {
  const where = `component ${component} of template ${templateName}`;
  if (!o.metadata?.name) throw new Error(`${where} renders a ${o.kind ?? "object"} without a name`);
  if (clusterScoped.has(o.kind ?? "")) {
    throw new Error(
      `${where} renders cluster-scoped ${o.kind} ${o.metadata.name}; a stack owns namespaced objects only`,
    );
  }
  const target = { stack: root.name, component };
  const metadata: ObjectMeta = {
    ...o.metadata,
    namespace: root.namespace,
    labels: {
      ...o.metadata.labels,
      ...root.inherited,
      ...managedLabels({ ...target, generation: root.generation, template: templateName }),
    },
    ownerReferences: [ownerReference(root)],
  };
  const out = { ...o, metadata } as KubeObject & Mutable;
  const stable = selectorLabels(target);
  const spec = out["spec"] as Mutable | undefined;
  if (spec && workloads.has(o.kind ?? "")) {
    spec["selector"] ??= { matchLabels: stable };
    labelPodTemplate(spec, stable);
    if (o.kind === "StatefulSet" && Array.isArray(spec["volumeClaimTemplates"])) {
      for (const claim of spec["volumeClaimTemplates"] as Mutable[]) {
        const m = (claim["metadata"] ?? {}) as Mutable;
        m["labels"] = { [managedByLabel]: managedByValue, ...stable, ...(m["labels"] as object | undefined) };
        claim["metadata"] = m;
      }
    }
  }
  if (spec && o.kind === "Job") labelPodTemplate(spec, stable);
  if (spec && o.kind === "CronJob") {
    const jobSpec = (spec["jobTemplate"] as Mutable | undefined)?.["spec"] as Mutable | undefined;
    if (jobSpec) labelPodTemplate(jobSpec, stable);
  }
  return out;
}

function labelPodTemplate(spec: Mutable, stable: Record<string, string>): void {
  const podTemplate = (spec["template"] ?? {}) as Mutable;
  const m = (podTemplate["metadata"] ?? {}) as Mutable;
  m["labels"] = { ...stable, ...(m["labels"] as object | undefined) };
  podTemplate["metadata"] = m;
  spec["template"] = podTemplate;
}

/**
 * Groups a component graph into levels: every component's dependencies are in
 * earlier levels, so the components of one level can reconcile in parallel.
 * Within a level the input order is kept. Throws an Error naming the
 * component for a duplicate name, an unknown dependency or a cycle.
 */
export function topologicalLevels(
  components: ReadonlyArray<{ readonly name: string; readonly dependsOn: readonly string[] }>,
): string[][] {
  const names = new Set<string>();
  for (const c of components) {
    if (names.has(c.name)) throw new Error(`component ${c.name} is declared twice`);
    names.add(c.name);
  }
  for (const c of components) {
    for (const d of c.dependsOn) {
      if (!names.has(d)) throw new Error(`component ${c.name} depends on unknown component ${d}`);
    }
  }
  const placed = new Set<string>();
  const levels: string[][] = [];
  let rest = [...components];
  while (rest.length > 0) {
    const level = rest.filter((c) => c.dependsOn.every((d) => placed.has(d)));
    if (level.length === 0) throw new Error(`the components form a cycle: ${findCycle(rest).join(" → ")}`);
    for (const c of level) placed.add(c.name);
    levels.push(level.map((c) => c.name));
    rest = rest.filter((c) => !placed.has(c.name));
  }
  return levels;
}

/** A cycle among components that all wait on something: `a → b → a`. */
function findCycle(
  rest: ReadonlyArray<{ readonly name: string; readonly dependsOn: readonly string[] }>,
): string[] {
  const byName = new Map(rest.map((c) => [c.name, c]));
  const path: string[] = [];
  let current = rest[0];
  while (current && !path.includes(current.name)) {
    path.push(current.name);
    current = current.dependsOn.map((d) => byName.get(d)).find((c) => c !== undefined);
  }
  return current ? [...path.slice(path.indexOf(current.name)), current.name] : path;
}
