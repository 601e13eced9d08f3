/**
 * Kubeconfigs are stored sealed with AES-256-GCM. The keys form a keyring:
 * the first key seals, every key unseals, so a key is rotated by putting a new
 * one first, restarting (every kubeconfig is re-sealed under it at start) and
 * then dropping the old one. A sealed value names its key id and is bound to
 * its cluster's name (additional authenticated data), so a value copied onto
 * another cluster's row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** The sealed form's prefix: `swk1.<key id>.<iv>.<ciphertext>.<tag>` (base64url parts). */
const format = "swk1";
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** A keyring that is malformed, or a value no key of it opens. The message names no secret. */
export class KeyringError extends Error {
  override readonly name = "KeyringError";
}

/** The keys that seal and unseal kubeconfigs at rest. */
export class KubeconfigKeyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** The id of the key that seals. */
  readonly primaryId: string;

  private constructor(keys: ReadonlyArray<[string, Buffer]>) {
    this.#keys = new Map(keys);
    this.primaryId = keys[0]![0];
  }

  /**
   * Parses `id:base64key` entries separated by commas or newlines, the
   * sealing key first; each key is 32 random bytes in base64 (e.g.
   * `openssl rand -base64 32`). Throws {@link KeyringError} naming the
   * entry (by position and id, never the key) that is wrong.
   */
  static parse(text: string): KubeconfigKeyring {
    const entries = text
      .split(/[,\n]/)
      .map((e) => e.trim())
      .filter((e) => e !== "" && !e.startsWith("#"));
    if (entries.length === 0) throw new KeyringError("the kubeconfig keyring has no key");
    const keys: Array<[string, Buffer]> = entries.map((entry, i) => {
      const eq = entry.indexOf(":");
      const id = eq > 0 ? entry.slice(0, eq) : "";
      if (!idPattern.test(id)) {
        throw new KeyringError(`kubeconfig key #${i + 1} must be id:base64key, with an id of [A-Za-z0-9_-]`);
      }
      const key = Buffer.from(entry.slice(eq + 1), "base64");
      if (key.length !== 32) throw new KeyringError(`kubeconfig key ${id} must be 32 bytes in base64`);
      return [id, key];
    });
    if (new Set(keys.map(([id]) => id)).size !== keys.length) {
      throw new KeyringError("kubeconfig key ids must be unique");
    }
    return new KubeconfigKeyring(keys);
  }

  /** A keyring of one random key that lives as long as this process (tests, throwaway stores). */
  static ephemeral(): KubeconfigKeyring {
    return new KubeconfigKeyring([[`ephemeral-${randomBytes(4).toString("hex")}`, randomBytes(32)]]);
  }

  /** A new random keyring entry, `id:base64key`, for a key file. */
  static generateEntry(id: string): string {
    return `${id}:${randomBytes(32).toString("base64")}`;
  }

  /** Seals `plaintext` for the row of `cluster` under the primary key (a fresh IV each time). */
  seal(plaintext: string, cluster: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#keys.get(this.primaryId)!, iv);
    cipher.setAAD(Buffer.from(cluster, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString("base64url"));
    return [format, this.primaryId, ...parts].join(".");
  }

  /** The key id a stored value is sealed with; undefined for a value stored before sealing (plain text). */
  static keyIdOf(stored: string): string | undefined {
    const parts = stored.split(".");
    return parts.length === 5 && parts[0] === format ? parts[1] : undefined;
  }

  /**
   * Opens a value sealed for `cluster`. Throws {@link KeyringError} when its
   * key is not in the keyring or it does not open (tampered, or another
   * cluster's).
   */
  open(stored: string, cluster: string): string {
    const id = KubeconfigKeyring.keyIdOf(stored);
    if (id === undefined) throw new KeyringError(`the kubeconfig of cluster ${cluster} is not sealed`);
    const key = this.#keys.get(id);
    if (!key) {
      throw new KeyringError(
        `the kubeconfig of cluster ${cluster} is sealed with key ${id}, which is not configured`,
      );
    }
    const [iv, body, tag] = stored
      .split(".")
      .slice(2)
      .map((p) => Buffer.from(p, "base64url"));
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, iv!);
      decipher.setAAD(Buffer.from(cluster, "utf8"));
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(body!), decipher.final()]).toString("utf8");
    } catch (e: unknown) {
      throw new KeyringError(`the kubeconfig of cluster ${cluster} does not open with key ${id}`, {
        cause: e,
      });
    }
  }
}
