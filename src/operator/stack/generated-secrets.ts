import { randomBytes } from "node:crypto";
import type { Stack } from "../../api/stack.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import type { Redactor } from "../../kube/redactor.ts";
import type { KubeObject } from "../../api/object.ts";
import { managedLabels, ownerReference } from "../../resources/labels.ts";
import { generatedSecretName } from "../../resources/render.ts";
import type { GeneratedSecret } from "../../templates/template.ts";

type SecretObject = KubeObject & { data?: Record<string, string> };

/**
 * Makes sure every generated secret of the stack exists: creates the missing
 * ones once, with random values, owned by the stack; never changes an existing
 * one (a password is generated once and kept). Registers every value with the
 * redactor, so no log line or Event can print it. Returns the Secrets' names,
 * which prune must leave alone.
 */
export async function ensureGeneratedSecrets(options: {
  readonly client: KubeClient;
  readonly stack: Stack;
  readonly template: string;
  readonly secrets: readonly GeneratedSecret[];
  readonly cached: (namespace: string, name: string) => KubeObject | undefined;
  readonly redactor: Redactor;
  readonly written: (object: KubeObject) => void;
  readonly signal?: AbortSignal;
}): Promise<string[]> {
  const { stack } = options;
  const namespace = stack.metadata.namespace ?? "default";
  const names: string[] = [];
  for (const generated of options.secrets) {
    const name = generatedSecretName(stack.metadata.name, generated.name);
    names.push(name);
    const secret =
      (options.cached(namespace, name) as SecretObject | undefined) ??
      (await createSecret(options, generated, name));
    for (const value of Object.values(secret.data ?? {})) {
      options.redactor.register(Buffer.from(value, "base64").toString("utf8"));
      options.redactor.register(value);
    }
  }
  return names;
}

type Options = Parameters<typeof ensureGeneratedSecrets>[0];

/** Creates one generated Secret with random values, owned by the stack; reads it back if it exists. */
async function createSecret(
  options: Options,
  generated: GeneratedSecret,
  name: string,
): Promise<SecretObject> {
  const { stack } = options;
  const namespace = stack.metadata.namespace ?? "default";
  const signal = options.signal ? { signal: options.signal } : {};
  const data = Object.fromEntries(
    generated.keys.map((k) => [k, Buffer.from(randomValue(generated.length)).toString("base64")]),
  );
  const owner = {
    apiVersion: stack.apiVersion ?? "stackwarden.dev/v1alpha1",
    kind: stack.kind ?? "Stack",
    name: stack.metadata.name,
    uid: stack.metadata.uid ?? "",
  };
  const labels = managedLabels({
    stack: stack.metadata.name,
    component: "generated-secrets",
    generation: stack.metadata.generation ?? 0,
    template: options.template,
  });
  try {
    const secret = await options.client.request<SecretObject>(
      "POST",
      `/api/v1/namespaces/${namespace}/secrets`,
      {
        body: {
          apiVersion: "v1",
          kind: "Secret",
          type: "Opaque",
          metadata: { name, namespace, labels, ownerReferences: [ownerReference(owner)] },
          data,
        },
        ...signal,
      },
    );
    options.written(secret);
    return secret;
  } catch (e: unknown) {
    if (!isAlreadyExists(e)) throw e;
    return options.client.request<SecretObject>(
      "GET",
      `/api/v1/namespaces/${namespace}/secrets/${name}`,
      signal,
    );
  }
}

/** A random URL-safe string of `length` characters. */
function randomValue(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4) + 3)
    .toString("base64url")
    .slice(0, length);
}
