import type { ObjectMeta } from "../api/object.ts";

/** `app.kubernetes.io/managed-by`: always `stackwarden` on what we manage. */
export const managedByLabel = "app.kubernetes.io/managed-by";
/** The value of {@link managedByLabel}. */
export const managedByValue = "stackwarden";
/** The name of the Stack (or typed root) an object belongs to. */
export const stackLabel = "stackwarden.dev/stack";
/** The template component an object belongs to. */
export const componentLabel = "stackwarden.dev/component";
/**
 * On a child: the root's `metadata.generation` the object was rendered from.
 * On a root `Stack` the control plane applies: the control plane's own
 * (database) generation of the stack. The two differ; a child never carries
 * the database generation.
 */
export const generationLabel = "stackwarden.dev/generation";
/** The control plane's UUID of the stack; set on the root by the control plane, inherited by children. */
export const stackIdLabel = "stackwarden.dev/stack-id";
/** The control plane's template version of the stack; set on the root, inherited by children. */
export const templateVersionLabel = "stackwarden.dev/template-version";

/** The root labels its children copy when the root carries them (the control plane sets them). */
export const inheritedLabelKeys: readonly string[] = [stackIdLabel, templateVersionLabel];

/**
 * The labels of a root that its children inherit: those of
 * {@link inheritedLabelKeys} the root carries, nothing else. Empty for a
 * Stack written by hand or by GitOps.
 */
export function inheritedLabels(
  rootLabels: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of inheritedLabelKeys) {
    const value = rootLabels?.[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Who an object belongs to: the stack's name and the component. */
export interface LabelTarget {
  readonly stack: string;
  readonly component: string;
}

/**
 * The stable labels of a component: the same for every generation of the
 * stack, so they are safe in selectors, pod templates and volume claim
 * templates (a selector is immutable; a changing pod label restarts pods).
 * Never contains the generation.
 */
export function selectorLabels({ stack, component }: LabelTarget): Record<string, string> {
  return {
    "app.kubernetes.io/instance": stack,
    "app.kubernetes.io/component": component,
    [stackLabel]: stack,
    [componentLabel]: component,
  };
}

/**
 * Every label a managed object carries: {@link selectorLabels} plus
 * `app.kubernetes.io/managed-by=stackwarden`, `app.kubernetes.io/name` (the
 * template's name, or the component's when no template is given) and
 * `stackwarden.dev/generation`. Goes on object metadata, never in selectors.
 */
export function managedLabels(
  target: LabelTarget & { readonly generation: number; readonly template?: string },
): Record<string, string> {
  return {
    [managedByLabel]: managedByValue,
    "app.kubernetes.io/name": target.template ?? target.component,
    ...selectorLabels(target),
    [generationLabel]: String(target.generation),
  };
}

/** The object an owner reference points at (a Stack or a typed root). */
export interface OwnerObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/** One entry of `metadata.ownerReferences`. */
export type OwnerReference = NonNullable<ObjectMeta["ownerReferences"]>[number];

/**
 * The owner reference every managed object carries to its root: the
 * controller reference (`controller: true`), and the root's foreground
 * deletion waits for it (`blockOwnerDeletion: true`).
 */
export function ownerReference(root: OwnerObject): OwnerReference {
  return {
    apiVersion: root.apiVersion,
    kind: root.kind,
    name: root.name,
    uid: root.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The label selector string matching every object we manage for the stack `stackName`. */
export function stackSelector(stackName: string): string {
  return `${managedByLabel}=${managedByValue},${stackLabel}=${stackName}`;
}
