import type { TSchema } from "@sinclair/typebox";
import type { FieldProblem } from "../api/validate.ts";
import type { KubeObject } from "../api/object.ts";
import type { IgnoreRule } from "../api/stack.ts";

export type { FieldProblem } from "../api/validate.ts";

/**
 * A template turns parameters into Kubernetes objects. It is data plus pure
 * functions: the same stack and parameters always render the same objects —
 * no clock, no I/O, no randomness. Values that must be random (passwords) are
 * declared as {@link GeneratedSecret}s: the operator creates them once and
 * builders only reference them.
 */
export interface Template<P = Record<string, unknown>> {
  /** Lowercase name, e.g. `minecraft-java`. */
  readonly name: string;
  /** Semver of the template itself (not of the software it installs). */
  readonly version: string;
  readonly description: string;
  /**
   * The parameter schema (a TypeBox schema, i.e. JSON Schema): types, defaults,
   * ranges, enums, patterns, required fields, unknown fields rejected. The
   * single source of the TypeScript type `P` (`Static<typeof schema>`), the
   * validation (`validate` in `api/validate.ts`, then {@link Template.validate})
   * and the form the UI shows.
   */
  readonly params: TSchema;
  readonly guardrails: Guardrails;
  /** The component graph: components whose dependencies are ready reconcile in parallel. */
  readonly components: ReadonlyArray<Component<P>>;
  readonly upgrade: UpgradeRules<P>;
  /** Fields the operator never fights over (e.g. replicas under an HPA). */
  readonly ignore: readonly IgnoreRule[];
  /** Secrets the operator generates once per stack and never prints. */
  readonly generatedSecrets: readonly GeneratedSecret[];
  /** Objects that must exist before installing (e.g. a Secret the owner references). */
  readonly prerequisites: (params: P) => readonly Prerequisite[];
  /** Which volumes hold the owner's data; kept on deletion unless the owner asked otherwise. */
  readonly data: DataPolicy;
  /** Cross-field rules beyond the schema; returns problems with the field path they concern. */
  readonly validate?: (params: P) => readonly FieldProblem[];
  /**
   * Parameters that hold secrets (JSON pointers, e.g. `/components/grafana/adminPassword`): never
   * copied into status (the last-known-good snapshot leaves them out and takes them from the
   * current spec when it is rendered).
   */
  readonly secretParams?: readonly string[];
  /** For game servers: where players connect, whose log is the game's, and its console. */
  readonly game?: GameSurface;
}

/**
 * What the control plane needs to run a game server, beyond deploying it:
 * the pods of `component` run the server in `container`; players connect to
 * the Service named after the stack, on its port named `port`; and, when the
 * image has one, `console.command` followed by the words of a server command
 * runs that command (through `pods/exec`, so secrets such as an RCON password
 * stay in the pod's environment).
 */
export interface GameSurface {
  readonly component: string;
  readonly container: string;
  /** The name of the Service port players connect to. */
  readonly port: string;
  /** Absent when the image offers no way to send commands. */
  readonly console?: {
    readonly command: readonly string[];
    /** False when the console prints no reply (the reply shows only in the log). */
    readonly replies: boolean;
  };
}

export interface Guardrails {
  /** Parameters that may not change after creation (JSON pointers into params). */
  readonly immutable: readonly string[];
  /** Parameters the control plane may adopt from an out-of-band change (issue 6). */
  readonly adoptable: readonly string[];
}

/** One component: a named group of objects with its dependencies. */
export interface Component<P> {
  readonly name: string;
  readonly dependsOn: readonly string[];
  /** How long a component may take to become healthy during an upgrade before it is rolled back. */
  readonly healthDeadlineSeconds: number;
  /** Pure builder: returns the component's objects (without our labels and owner reference; render adds them). */
  readonly build: (ctx: RenderContext<P>) => readonly KubeObject[];
}

/** What a builder knows about the stack it renders for. */
export interface RenderContext<P> {
  readonly stack: { readonly name: string; readonly namespace: string; readonly uid: string };
  readonly params: P;
  /** Name of the Secret holding a generated secret, by its `name`. */
  readonly secretName: (generated: string) => string;
  /** The stack's power: Stopped means scale to zero and keep the volumes. Absent means Running. */
  readonly power?: "Running" | "Stopped";
  /** When set, goes on the pod template as the restart annotation: a new value rolls the pods. */
  readonly restartedAt?: string;
}

export interface UpgradeRules<P> {
  /** Parameters (JSON pointers) whose change is an upgrade: snapshot, roll, roll back on failure. */
  readonly fields: readonly string[];
  /** Returns why an upgrade from `from` to `to` is not allowed, or undefined when it is. */
  readonly allowed?: (from: P, to: P) => string | undefined;
}

export interface GeneratedSecret {
  /** Logical name; the Secret is `<stack>-<name>`. */
  readonly name: string;
  /** Keys to fill with random URL-safe strings of `length` characters. */
  readonly keys: readonly string[];
  readonly length: number;
}

export interface Prerequisite {
  readonly kind: "Secret" | "ConfigMap";
  readonly name: string;
  /** The parameter that named it, as a JSON pointer, for the condition message. */
  readonly field: string;
}

export interface DataPolicy {
  /** Components whose PersistentVolumeClaims hold data. */
  readonly components: readonly string[];
}
