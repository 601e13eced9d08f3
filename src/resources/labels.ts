import type { ObjectMeta } from "../kube/store.ts";

/** `app.kubernetes.io/managed-by`: always `stackwarden` on what we manage. */
export const managedByLabel = "app.kubernetes.io/managed-by";
/** The value of {@link managedByLabel}. */
export const managedByValue = "stackwarden";
/** The name of the Stack (or typed root) an object belongs to. */
export const stackLabel = "stackwarden.dev/stack";
/** The template component an object belongs to. */
export const componentLabel = "stackwarden.dev/component";
/** The root's `metadata.generation` the object was rendered from. */
export const generationLabel = "stackwarden.dev/generation";

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
