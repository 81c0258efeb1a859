import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface BackupStorageArgs {
  /** Spaces region of the bucket, e.g. fra1 (one of SPACES_REGIONS). */
  region: string;
  /** The bucket's name; unset: `<namePrefix>-backups-<8 random characters>`. */
  bucket?: string;
  /** Prefix of the derived bucket name and of the key's name, e.g. berth-prod. */
  namePrefix: string;
  /** Days an object is kept before the bucket's lifecycle rule expires it. */
  keepDays: pulumi.Input<number>;
}

/** Bucket names: 3 to 63 characters (the derived one is cut to fit). */
const MAX_BUCKET_NAME = 63;
const SUFFIX_LENGTH = 8;

/**
 * Where off-site backups go: a private DigitalOcean Spaces bucket whose lifecycle rule expires
 * objects after keepDays (and aborts multipart uploads left incomplete), and a Spaces key that can
 * read and write that bucket only, for the backup jobs on the droplet.
 *
 * The bucket outlives the stack: `pulumi destroy` (or a replacement) leaves it and its backups in
 * the account (retainOnDelete), because a backup that goes with the thing it protects is no
 * backup; `protect` would instead block every `pulumi destroy` of the stack until it is lifted by
 * hand. The lifecycle rule keeps expiring objects in a left-behind bucket, so a destroyed stack's
 * backups last keepDays more: README says so.
 */
export class BackupStorage extends pulumi.ComponentResource {
  public readonly bucket: digitalocean.SpacesBucket;
  public readonly key: digitalocean.SpacesKey;
  /** The bucket's name. */
  public readonly bucketName: pulumi.Output<string>;
  /** The S3 endpoint, `https://<region>.digitaloceanspaces.com`. */
  public readonly endpoint: string;
  public readonly region: string;
  /** Access key id of the jobs' Spaces key. */
  public readonly accessKeyId: pulumi.Output<string>;
  /** Its secret key (secret; the provider returns it on create only). */
  public readonly secretKey: pulumi.Output<string>;

  constructor(name: string, args: BackupStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:BackupStorage", name, {}, opts);
    this.region = args.region;
    this.endpoint = `https://${args.region}.digitaloceanspaces.com`;

    const bucketName = args.bucket !== undefined ? pulumi.output(args.bucket) : this.derivedName(name, args.namePrefix);

    this.bucket = new digitalocean.SpacesBucket(
      `${name}-bucket`,
      {
        name: bucketName,
        region: args.region,
        acl: "private",
        forceDestroy: false,
        lifecycleRules: [
          {
            id: "berth-backup-retention",
            enabled: true,
            expiration: { days: args.keepDays },
            abortIncompleteMultipartUploadDays: 1,
          },
        ],
      },
      {
        parent: this,
        retainOnDelete: true,
        // The provider updates a new name "in place" without renaming anything (provider-model.ts,
        // doSpacesBucket): a new name must be a new bucket. The new one first; the old one stays.
        replaceOnChanges: ["name"],
        deleteBeforeReplace: false,
      },
    );
    this.bucketName = this.bucket.name;

    this.key = new digitalocean.SpacesKey(
      `${name}-key`,
      {
        name: pulumi.interpolate`${args.namePrefix}-backup-jobs`,
        grants: [{ bucket: this.bucket.name, permission: "readwrite" }],
      },
      // Name and grants update in place (provider-model.ts, doSpacesKey); create-before-delete, stated.
      { parent: this, deleteBeforeReplace: false },
    );
    this.accessKeyId = this.key.accessKey;
    this.secretKey = pulumi.secret(this.key.secretKey);

    this.registerOutputs({ bucketName: this.bucketName, endpoint: this.endpoint, region: this.region, accessKeyId: this.accessKeyId });
  }

  /**
   * `<prefix>-backups-<random>`: a bucket's name is its host name, `<name>.<region>.digitaloceanspaces.com`
   * (provider-model.ts, doSpacesBucket), shared by every Spaces user of the region, and every berth
   * stack has a prefix like berth-prod: the suffix, kept in the state, makes the name this stack's.
   */
  private derivedName(name: string, prefix: string): pulumi.Output<string> {
    const suffix = new random.RandomString(
      `${name}-suffix`,
      { length: SUFFIX_LENGTH, upper: false, special: false, numeric: true, lower: true },
      // Fixed once created (every input change replaces it: provider-model.ts); create-before-delete, stated.
      { parent: this, deleteBeforeReplace: false },
    );
    const base = `${prefix}-backups`.slice(0, MAX_BUCKET_NAME - SUFFIX_LENGTH - 1).replace(/-+$/, "");
    return pulumi.interpolate`${base}-${suffix.result}`;
  }
}
