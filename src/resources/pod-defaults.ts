/** A pod's `securityContext` under Pod Security "restricted". */
export interface RestrictedPodSecurityContext {
  readonly runAsNonRoot: true;
  readonly seccompProfile: { readonly type: "RuntimeDefault" };
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly fsGroup?: number;
}

/** A container's `securityContext` under Pod Security "restricted". */
export interface RestrictedContainerSecurityContext {
  readonly runAsNonRoot: true;
  readonly allowPrivilegeEscalation: false;
  readonly capabilities: { readonly drop: readonly ["ALL"] };
  readonly seccompProfile: { readonly type: "RuntimeDefault" };
  readonly readOnlyRootFilesystem?: boolean;
}

/**
 * A pod security context that passes the Pod Security "restricted" level:
 * non-root, the runtime's default seccomp profile, and the given user, group
 * and fsGroup (left out when not given, so the image's user applies).
 */
export function restrictedSecurityContext(
  ids: { runAsUser?: number; runAsGroup?: number; fsGroup?: number } = {},
): RestrictedPodSecurityContext {
  return {
    runAsNonRoot: true,
    ...(ids.runAsUser !== undefined && { runAsUser: ids.runAsUser }),
    ...(ids.runAsGroup !== undefined && { runAsGroup: ids.runAsGroup }),
    ...(ids.fsGroup !== undefined && { fsGroup: ids.fsGroup }),
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * A container security context that passes the Pod Security "restricted"
 * level: non-root, no privilege escalation, every capability dropped, the
 * runtime's default seccomp profile; optionally a read-only root filesystem.
 */
export function restrictedContainerSecurityContext(
  options: { readOnlyRootFilesystem?: boolean } = {},
): RestrictedContainerSecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
    ...(options.readOnlyRootFilesystem !== undefined && {
      readOnlyRootFilesystem: options.readOnlyRootFilesystem,
    }),
  };
}
