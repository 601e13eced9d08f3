import { restrictedContainerSecurityContext } from "../../resources/pod-defaults.ts";

/** A container's `resources` as the owner wrote them, or nothing. */
export type ContainerResources = { readonly requests?: object; readonly limits?: object } | undefined;

/**
 * One container: name, image, optional pull policy and resources, named TCP
 * ports, and the restricted security context (non-root, no privilege
 * escalation, every capability dropped, the runtime's seccomp profile).
 */
export function container(c: {
  readonly name: string;
  readonly image: string;
  readonly pullPolicy: string | undefined;
  readonly ports: ReadonlyArray<readonly [name: string, port: number]>;
  readonly resources: ContainerResources;
  readonly args?: readonly string[];
  readonly command?: readonly string[];
  readonly env?: readonly Record<string, unknown>[];
  readonly volumeMounts?: readonly Record<string, unknown>[];
  readonly readinessProbe?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    name: c.name,
    image: c.image,
    ...(c.pullPolicy !== undefined && { imagePullPolicy: c.pullPolicy }),
    ...(c.command !== undefined && { command: [...c.command] }),
    ...(c.args !== undefined && { args: [...c.args] }),
    ...(c.env !== undefined && { env: [...c.env] }),
    ports: c.ports.map(([name, port]) => ({ name, containerPort: port, protocol: "TCP" })),
    ...(c.resources !== undefined && { resources: structuredClone(c.resources) }),
    ...(c.readinessProbe !== undefined && { readinessProbe: c.readinessProbe }),
    securityContext: restrictedContainerSecurityContext(),
    ...(c.volumeMounts !== undefined && { volumeMounts: [...c.volumeMounts] }),
  };
}

/** A Service's ports, each targeting the container port of the same name. */
export function servicePorts(ports: ReadonlyArray<readonly [name: string, port: number]>): object[] {
  return ports.map(([name, port]) => ({ name, port, targetPort: name, protocol: "TCP" }));
}
