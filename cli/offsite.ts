import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import type { Readable } from "stream";
import { OFFSITE_BACKUP_EXTENSIONS, offsiteBackupKeyPattern, offsiteBackupPrefix } from "../components/naming";
import { CliError } from "./errors";
import type { BackupStorage, StackOutputs } from "./outputs";

/**
 * Off-site backups as the CLI reads them: age-encrypted objects in the stack's Spaces bucket (the
 * `backupStorage` output), listed and downloaded with the operator's own Spaces key, taken from
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (never from the command line, never from the stack).
 */

export type OffsiteEngine = keyof typeof OFFSITE_BACKUP_EXTENSIONS;

export interface OffsiteBackup {
  /** The object's key, as `berth backups` prints it and `berth restore` takes it. */
  key: string;
  bytes: number;
  /** When the backup was taken, from the key's time stamp (UTC). */
  takenAt: Date;
}

export interface SpacesCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Engines that have off-site backups. */
export function isOffsiteEngine(engine: string): engine is OffsiteEngine {
  return Object.prototype.hasOwnProperty.call(OFFSITE_BACKUP_EXTENSIONS, engine);
}

/** The stack's bucket, or a clear error naming what is missing. */
export function requireBackupStorage(outputs: StackOutputs, stack: string): BackupStorage {
  if (!outputs.backupStorage) {
    throw new CliError(
      `stack '${stack}' has no off-site backups: its outputs have no backupStorage (off-site backups are off, ` +
        `or the stack was deployed by an older berth; run \`pulumi up -s ${stack}\` after turning them on)`,
    );
  }
  return outputs.backupStorage;
}

/** The operator's Spaces key from the environment, or an error saying how to give it. */
export function spacesCredentials(env: NodeJS.ProcessEnv, storage: BackupStorage): SpacesCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? "";
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? "";
  const missing = [accessKeyId ? "" : "AWS_ACCESS_KEY_ID", secretAccessKey ? "" : "AWS_SECRET_ACCESS_KEY"].filter(Boolean);
  if (missing.length > 0) {
    throw new CliError(
      `off-site backups are in bucket ${storage.bucket} at ${storage.endpoint}: set ${missing.join(" and ")} to a Spaces ` +
        `access key that can read it (DigitalOcean › Spaces Object Storage › Access Keys)`,
    );
  }
  return { accessKeyId, secretAccessKey };
}

/** Keys under the database's prefix that are its backups, newest first; anything else is left out. */
export function parseOffsiteListing(engine: OffsiteEngine, db: string, objects: { Key?: string; Size?: number }[]): OffsiteBackup[] {
  const pattern = offsiteBackupKeyPattern(engine, db);
  return objects
    .flatMap((o) => {
      const stamp = o.Key === undefined ? undefined : pattern.exec(o.Key)?.[1];
      return stamp === undefined ? [] : [{ key: o.Key!, bytes: o.Size ?? 0, takenAt: stampTime(stamp) }];
    })
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || b.key.localeCompare(a.key));
}

/** `20261122T030512Z` → the Date it names. */
export function stampTime(stamp: string): Date {
  const s = stamp;
  return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}

/** The bucket of one stack, reached with the operator's key. */
export class OffsiteStore {
  private readonly client: S3Client;

  constructor(
    readonly storage: BackupStorage,
    credentials: SpacesCredentials,
  ) {
    // Path-style requests (https://<endpoint>/<bucket>/<key>): Spaces serves them, and so does any
    // S3-compatible stand-in; the credentials are exactly the ones given, no other source is read.
    this.client = new S3Client({ endpoint: storage.endpoint, region: storage.region, forcePathStyle: true, credentials });
  }

  /** Where the backups are, for people: `bucket berth-prod at https://fra1.digitaloceanspaces.com`. */
  describe(): string {
    return `bucket ${this.storage.bucket} at ${this.storage.endpoint}`;
  }

  async list(engine: OffsiteEngine, db: string): Promise<OffsiteBackup[]> {
    const objects: { Key?: string; Size?: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(`listing ${this.describe()}`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.storage.bucket, Prefix: offsiteBackupPrefix(engine, db), ContinuationToken: token })),
      );
      objects.push(...(page.Contents ?? []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return parseOffsiteListing(engine, db, objects);
  }

  /** The object's bytes, as they arrive (still encrypted). */
  async download(key: string): Promise<{ body: Readable; bytes: number }> {
    const reply = await this.call(`downloading ${key} from ${this.describe()}`, () => this.client.send(new GetObjectCommand({ Bucket: this.storage.bucket, Key: key })));
    if (!reply.Body) throw new CliError(`downloading ${key} from ${this.describe()}: the reply has no body`);
    return { body: reply.Body as Readable, bytes: reply.ContentLength ?? 0 };
  }

  close(): void {
    this.client.destroy();
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw new CliError(`${what} failed: ${s3Problem(err)}`);
    }
  }
}

/** What went wrong with a request, in the words an operator acts on. */
export function s3Problem(err: unknown): string {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata?.httpStatusCode;
    const hint =
      err.name === "NoSuchKey" ? "no such backup (berth backups <db> lists them)"
      : err.name === "NoSuchBucket" ? "no such bucket"
      : status === 403 || err.name === "InvalidAccessKeyId" || err.name === "SignatureDoesNotMatch" || err.name === "AccessDenied"
        ? "access denied: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a Spaces key with access to this bucket)"
      : err.message;
    return `${hint} (${err.name}${status ? `, HTTP ${status}` : ""})`;
  }
  return (err as Error).message;
}
