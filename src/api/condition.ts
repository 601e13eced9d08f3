/** A Kubernetes status condition, as `metav1.Condition` has it. */
export interface Condition {
  /** PascalCase, e.g. `Ready`, `Progressing`, `Degraded`, `Available`, `Paused`. */
  type: string;
  status: "True" | "False" | "Unknown";
  /** One PascalCase word from a closed set, for machines. */
  reason: string;
  /** For humans. */
  message: string;
  /** RFC 3339; when `status` last changed. */
  lastTransitionTime: string;
  /** The `.metadata.generation` the condition was computed from. */
  observedGeneration?: number;
}
