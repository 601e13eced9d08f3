import { maskSecrets, unmaskSecrets } from "../resources/secret-params.ts";
import { baseTemplate } from "./guardrails.ts";
import type { Store } from "./store/store.ts";

type WithParams = {
  readonly template: string;
  readonly templateVersion: string;
  readonly params: Record<string, unknown>;
};

/**
 * Keeps secret parameters (a template's `secretParams`, e.g. a Grafana admin
 * password) out of API responses: they are masked on the way out, and a mask
 * sent back on the way in keeps the stored value. Template versions never
 * change once created, so their secret pointers are cached.
 */
export class SecretMask {
  readonly #store: Store;
  readonly #pointers = new Map<string, Promise<readonly string[]>>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** The secret parameters (JSON pointers into params) of a template version; none when it is unknown. */
  pointers(template: string, version: string): Promise<readonly string[]> {
    const key = `${template}@${version}`;
    let found = this.#pointers.get(key);
    if (!found) {
      found = this.#store.catalog.getTemplate(template, version).then((record) => {
        if (!record) this.#pointers.delete(key);
        return (record && baseTemplate(record)?.secretParams) ?? [];
      });
      found.catch(() => this.#pointers.delete(key));
      this.#pointers.set(key, found);
    }
    return found;
  }

  /** `stack` with its secret parameters masked. */
  async hide<T extends WithParams>(stack: T): Promise<T> {
    const pointers = await this.pointers(stack.template, stack.templateVersion);
    return pointers.length === 0 ? stack : { ...stack, params: maskSecrets(stack.params, pointers) };
  }

  /** `wanted` params with every mask that came back replaced by the current value. */
  async restore(
    wanted: Record<string, unknown>,
    current: WithParams,
    version: string,
  ): Promise<Record<string, unknown>> {
    return unmaskSecrets(wanted, current.params, await this.pointers(current.template, version));
  }
}
