/**
 * The rows of the control plane's store, as the rest of the control plane
 * sees them (camelCase, timestamps as ISO strings).
 */

/** What the owner wants of a stack right now. */
export const desiredStates = ["Active", "Paused", "Deleted"] as const;
export type DesiredState = (typeof desiredStates)[number];

/** One word for how a stack is doing, derived from the observed phase and conditions. */
export const statusSummaries = ["Healthy", "Progressing", "Degraded", "Error"] as const;
export type StatusSummary = (typeof statusSummaries)[number];

/**
 * `enforce`: the operator restores what others change, the control plane records it.
 * `ignore`: the declared fields are left alone. `adopt`: an out-of-band change
 * the template's guardrails allow becomes the new desired state.
 */
export const driftPolicies = ["enforce", "ignore", "adopt"] as const;
export type DriftPolicyName = (typeof driftPolicies)[number];

/** A field never fought over: in objects of `kind` (and `name`), the value at `jsonPointer`. */
export interface DriftIgnoreRule {
  readonly kind: string;
  readonly name?: string;
  readonly jsonPointer: string;
}

export interface StackDrift {
  readonly policy: DriftPolicyName;
  readonly ignore: readonly DriftIgnoreRule[];
}

/** One stack's desired state. */
export interface StackRecord {
  readonly id: string;
  readonly template: string;
  readonly templateVersion: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly params: Record<string, unknown>;
  /** +1 on every desired change (params, pause, resume, delete, adoption). */
  readonly generation: number;
  /** The generation the operator last reported observed. */
  readonly lastAppliedGeneration: number;
  readonly desiredState: DesiredState;
  readonly statusSummary: StatusSummary;
  readonly drift: StackDrift;
  /** Game servers: Stopped scales the workloads to zero and keeps the volumes (`spec.power`). */
  readonly power: Power;
  /** The last restart asked for (ISO 8601), or null: rolls the pods through a pod-template annotation. */
  readonly restartedAt: string | null;
  /** The generation of the last stop, start or restart, or null when there was none. */
  readonly powerGeneration: number | null;
  /** Set once a deleted stack is gone from its cluster. */
  readonly removedAt: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** Whether a game server runs: the desired state of its workloads' replicas. */
export const powerStates = ["Running", "Stopped"] as const;
export type Power = (typeof powerStates)[number];

/** Who wrote an event. */
export const eventSources = ["user", "reconciler", "k8s_watch", "system"] as const;
export type EventSource = (typeof eventSources)[number];

/** The event types the control plane writes (the column is open: newer versions may add more). */
export const eventTypes = [
  "StackCreated",
  "DesiredChanged",
  "StackPaused",
  "StackResumed",
  "StackDeleteRequested",
  "StackRemoved",
  "ReconcileRequested",
  "ReconcileStarted",
  "ReconcileSucceeded",
  "ReconcileFailed",
  "ReconcileDeferred",
  "ResourceCreated",
  "ResourceDeletedExternally",
  "ResourceModifiedExternally",
  "DriftCorrected",
  "DriftIgnored",
  "DesiredAdoptedFromCluster",
  "AdoptionRejected",
  "PhaseChanged",
  "KubernetesEvent",
  "TemplateVersionCreated",
  "ClusterAdded",
  "UserCreated",
  "TokenCreated",
  "ConsoleCommand",
  "StackStopped",
  "StackStarted",
  "StackRestarted",
  "BackupStarted",
  "BackupCompleted",
  "BackupFailed",
  "BackupDeleted",
  "RestoreStarted",
  "BackupRestored",
  "RestoreFailed",
  "BackupTargetCreated",
  "BackupTargetDeleted",
  "ScheduleCreated",
  "ScheduleDeleted",
  "ScheduleRun",
  "ScheduleRunFailed",
  "ClusterConvertedToAgent",
  "AgentJoined",
  "AgentCredentialRotated",
  "AgentCredentialRevoked",
  "AgentObservationsDropped",
] as const;
export type EventType = (typeof eventTypes)[number];

/** An event to append. */
export interface NewEvent {
  readonly stackId: string | null;
  readonly source: EventSource;
  readonly type: EventType;
  readonly data?: Record<string, unknown>;
  readonly actor: string;
}

/** One row of the append-only `stack_events`; `id` orders them and resumes streams. */
export interface StackEvent {
  readonly id: number;
  readonly stackId: string | null;
  readonly source: EventSource;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly actor: string;
  readonly createdAt: string;
}

/** One Kubernetes object a stack manages, by UID: a deleted-and-recreated object is a new row. */
export interface ResourceRecord {
  readonly stackId: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly component: string;
  readonly health: string;
  readonly managed: boolean;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly deletedAt: string | null;
}

/** The observed cache of one stack (Kubernetes stays authoritative). */
export interface ObservedRecord {
  readonly stackId: string;
  readonly phase: string | null;
  /** The Stack resource's status.observedGeneration. */
  readonly observedGeneration: number | null;
  /** The Stack resource's metadata.generation. */
  readonly resourceGeneration: number | null;
  readonly conditions: ReadonlyArray<Record<string, unknown>>;
  readonly components: ReadonlyArray<Record<string, unknown>>;
  readonly ready: string | null;
  readonly message: string;
  readonly observedAt: string;
}

/** A template version in the catalog, rendered by a built-in template's builders. */
export interface TemplateRecord {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly baseName: string;
  readonly baseVersion: string;
  /** JSON Schema the params must satisfy (on top of the base template's own schema). */
  readonly paramSchema: Record<string, unknown>;
  /** Params merged under the owner's before validation. */
  readonly defaults: Record<string, unknown>;
  readonly guardrails: TemplateGuardrails;
  readonly builtin: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface TemplateGuardrails {
  /** JSON pointers into params that may not change after creation. */
  readonly immutable: readonly string[];
  /** JSON pointers into params the control plane may adopt from an out-of-band change. */
  readonly adoptable: readonly string[];
}

/** A cluster stacks deploy to. Its kubeconfig is a secret: never in a response or a log. */
export interface ClusterRecord {
  readonly name: string;
  readonly description: string;
  /** False for the cluster this process was started against (no kubeconfig stored). */
  readonly hasKubeconfig: boolean;
  /** `direct`: the control plane connects with a stored kubeconfig; `agent`: an agent connects out. */
  readonly mode: ClusterMode;
  /** Agent clusters: true once an agent traded the join token and its credential is not revoked. */
  readonly agentJoined: boolean;
  /** The agent's software version and its cluster's Kubernetes version, as it last reported them. */
  readonly agentVersion: string | null;
  readonly kubernetesVersion: string | null;
  /** When the agent last talked to the control plane. */
  readonly lastSeen: string | null;
  /** Live stacks on the cluster. */
  readonly stackCount: number;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** How the control plane reaches a cluster. */
export const clusterModes = ["direct", "agent"] as const;
export type ClusterMode = (typeof clusterModes)[number];

export const roles = ["viewer", "operator", "admin"] as const;
export type Role = (typeof roles)[number];

export interface UserRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** A page of a listing and the cursor of the next one (null on the last page). */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}
