import type { KubeObject } from "../api/object.ts";

/**
 * A Kubernetes object as a builder writes it: metadata the runtime relies on
 * plus any other top-level fields (`spec`, `data`, …) as plain JSON. Every
 * Manifest is a {@link KubeObject}.
 */
export type Manifest = KubeObject & { readonly [field: string]: unknown };
