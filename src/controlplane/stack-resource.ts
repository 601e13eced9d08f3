/**
 * The root `Stack` resource the control plane applies for one stack: a pure
 * function of the stack's desired state (its store record) and its template
 * version. The operator renders the children from it.
 */
import { stackApiVersion, type Stack, type StackSpec } from "../api/stack.ts";
import type { FieldProblem } from "../api/validate.ts";
import type { KubeObject } from "../api/object.ts";
import {
  generationLabel,
  managedByLabel,
  managedByValue,
  stackIdLabel,
  templateVersionLabel,
} from "../resources/labels.ts";
import { validateParams } from "./guardrails.ts";
import type { StackDrift, StackRecord, TemplateRecord } from "./store/records.ts";

/** The field manager of every write the control plane makes to a Stack resource. */
export const controlPlaneFieldManager = "stackwarden-control-plane";

/** The label selector of every Stack the control plane applied (any stack id). */
export const controlPlaneStackSelector = `${managedByLabel}=${managedByValue},${stackIdLabel}`;

/** What {@link buildStackResource} returns: the object, or why the stored params no longer validate. */
export type StackResourceResult =
  { readonly ok: true; readonly object: Stack } | { readonly ok: false; readonly problems: FieldProblem[] };

/**
 * The drift section of the Stack's spec for a stack's policy. The operator
 * knows `enforce` and `ignore`; `adopt` is the control plane's policy, and
 * towards the operator it is `enforce` (children are restored; the control
 * plane adopts changes to the Stack itself).
 */
export function stackDriftSpec(drift: StackDrift): StackSpec["drift"] {
  const ignore = drift.ignore.map((r) => ({
    kind: r.kind,
    ...(r.name !== undefined ? { name: r.name } : {}),
    jsonPointer: r.jsonPointer,
  }));
  return { policy: drift.policy === "ignore" ? "ignore" : "enforce", ignore };
}

/**
 * The labels of a stack's root resource: managed-by, the stack's id, its
 * database generation and its catalog template version. Children inherit the
 * id and the template version (not the generation: theirs is the Stack's
 * metadata.generation).
 */
export function stackResourceLabels(stack: StackRecord, template: TemplateRecord): Record<string, string> {
  return {
    [managedByLabel]: managedByValue,
    [stackIdLabel]: stack.id,
    [generationLabel]: String(stack.generation),
    [templateVersionLabel]: template.version,
  };
}

/**
 * The desired `Stack` for a stack record and its template version. Guarantees:
 * pure; `spec.template`/`templateVersion` name the record's base template;
 * `params` are the stored params validated with every default applied (the
 * same input always gives the same object, so compare-before-write holds);
 * `paused` is true exactly when the desired state is Paused. Returns the
 * problems instead when the stored params no longer validate.
 */
export function buildStackResource(stack: StackRecord, template: TemplateRecord): StackResourceResult {
  const params = validateParams(template, stack.params);
  if (!params.ok) return { ok: false, problems: params.problems };
  const object: Stack = {
    apiVersion: stackApiVersion,
    kind: "Stack",
    metadata: {
      name: stack.name,
      namespace: stack.namespace,
      labels: stackResourceLabels(stack, template),
    },
    spec: {
      template: template.baseName,
      templateVersion: template.baseVersion,
      // A JSON round trip: no undefined values, so a live copy can compare equal.
      params: JSON.parse(JSON.stringify(params.value)) as Record<string, unknown>,
      paused: stack.desiredState === "Paused",
      // Only when set, so a Stack of a stack never stopped or restarted is written as before.
      ...(stack.power === "Stopped" ? { power: "Stopped" as const } : {}),
      ...(stack.restartedAt !== null ? { restartedAt: stack.restartedAt } : {}),
      drift: stackDriftSpec(stack.drift),
      deletionPolicy: { volumes: "Retain" },
    },
  };
  return { ok: true, object };
}

/** The stack id a Stack resource carries, if the control plane applied it. */
export function stackIdOf(o: KubeObject): string | undefined {
  return o.metadata.labels?.[stackIdLabel];
}

/** The database generation a Stack resource was applied from (its label), if any. */
export function appliedGenerationOf(o: KubeObject): number | undefined {
  const raw = o.metadata.labels?.[generationLabel];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) ? n : undefined;
}
