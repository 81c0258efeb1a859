import type { Readable } from "stream";
import { decrypt } from "./age";
import { CliError } from "./errors";
import type { OffsiteStore } from "./offsite";
import { peek } from "./streams";

/** What each engine's backups start with once decrypted. */
export const PLAINTEXT_MAGIC = {
  /** pg_dump --format=custom archives start with `PGDMP`. */
  postgres: { bytes: "PGDMP", what: "a pg_dump custom-format archive" },
  /** RDB files start with `REDIS` and the format version. */
  redis: { bytes: "REDIS", what: "a Redis RDB snapshot" },
} as const;

export interface OpenedBackup {
  /** The plaintext as it is decrypted, its first bytes already checked. */
  plaintext: Readable;
  /** Resolves once age has authenticated every byte; rejects with why not. */
  done: Promise<void>;
  /** Bytes downloaded (the encrypted object's size). */
  bytes: number;
  abort(): void;
}

/**
 * Downloads an off-site backup and decrypts it on this machine, streaming. Resolves only once the
 * first decrypted bytes are there and are what the engine's backups start with: a wrong identity,
 * an object that is not age-encrypted or not this engine's backup fails here, before anything is
 * changed.
 */
export async function openOffsiteBackup(store: OffsiteStore, key: string, identity: string, engine: keyof typeof PLAINTEXT_MAGIC): Promise<OpenedBackup> {
  const { body, bytes } = await store.download(key);
  const decryption = decrypt(body, identity, key);
  const magic = PLAINTEXT_MAGIC[engine];
  let head: Buffer;
  try {
    head = await peek(decryption.plaintext, magic.bytes.length);
  } catch (err) {
    decryption.abort();
    throw err;
  }
  if (head.length < magic.bytes.length) {
    // age's reason, when there is one (a wrong identity: age writes nothing).
    await decryption.done.catch((err: Error) => {
      throw new CliError(`${err.message}; nothing was changed`);
    });
    throw new CliError(`${key} decrypts to ${head.length} bytes: not ${magic.what}`);
  }
  if (head.toString("latin1") !== magic.bytes) {
    decryption.abort();
    throw new CliError(`${key} decrypts to something that is not ${magic.what}; nothing was changed`);
  }
  return { plaintext: decryption.plaintext, done: decryption.done, bytes, abort: decryption.abort };
}
