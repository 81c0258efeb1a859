import type { Engine } from "../config/schema";
import { DUMP_TIME_FORMAT } from "../database/backup";
import { shellQuote } from "../host/shell";
import { OFFSITE_BACKUP_EXTENSIONS, offsiteBackupKey, offsiteBackupPrefix } from "../naming";

/**
 * The backup job of one database, as it runs on the droplet (and, in the e2e tier, on the test
 * machine against the stack's containers). Pure renderers, checked by shellcheck in the artifact
 * tier. The contract other parts rely on (the CLI's restore and its e2e) is these two exports:
 *
 *   renderBackupScript({ engine, name, container, localDir?, localKeepDays?, envFile, statusDir, offsite? })
 *   renderBackupEnv({ endpoint, region, bucket, accessKeyId, secretKey, recipientsFile, keepDays, heartbeatUrl? })
 *
 * One run, in order (any failing step stops the run):
 *   1. read the settings (the env file, 0600: it holds the Spaces secret key and the heartbeat URL);
 *   2. check the database container is running;
 *   3. dump: `pg_dump --format=custom` (postgres; kept in `localDir` when given, pruned after
 *      `localKeepDays`) or an RDB snapshot with `redis-cli --rdb` (redis), both inside the container;
 *      an empty dump, or one without its format's magic bytes, is a failure;
 *   4. encrypt on this machine with `age -R <recipients file>` (public keys only);
 *   5. upload to `<endpoint>/<bucket>/<key>` (key: naming.ts offsiteBackupKey), SigV4-signed by curl
 *      with the payload's SHA-256, credentials read from a curl config on standard input (never argv);
 *   6. verify: HEAD the object and compare its size with the encrypted file's;
 *   7. prune: delete this database's objects whose key time is older than keepDays;
 *   8. record the outcome in `<statusDir>/<name>.json` (0600, dir 0700) and ping the heartbeat:
 *      `<url>` on success (or `<url>/fail` while another database's last run failed), `<url>/fail`
 *      with the reason as body on failure. A failed ping is logged, never turns success into failure.
 * A failure exits 1 after recording `lastFailure` (time, step, reason) and pinging `/fail`; the
 * previous `lastSuccess` is kept, so the status file always shows the last good backup.
 */

export interface BackupScriptOptions {
  /** `postgres` (pg_dump, custom format) or `redis` (RDB snapshot). */
  engine: Engine;
  /** Database name: also the Postgres user and database. */
  name: string;
  /** The database container (docker exec target). */
  container: string;
  /** Postgres only: keep each dump here too (the host side of the container's /backups). */
  localDir?: string;
  /** Local dumps older than this many days are deleted after a successful dump (with localDir). */
  localKeepDays?: number;
  /** The settings file renderBackupEnv renders (absolute path; 0600). */
  envFile: string;
  /** Directory of the status files, `<name>.json` (created 0700). */
  statusDir: string;
  /** Upload off-site (default true); false keeps only the local dump (postgres with localDir). */
  offsite?: boolean;
}

export interface BackupEnvOptions {
  /** S3 endpoint, e.g. https://fra1.digitaloceanspaces.com (no trailing slash). */
  endpoint: string;
  /** Signing region, e.g. fra1. */
  region: string;
  /** Bucket name. */
  bucket: string;
  /** Access key id of the Spaces key. */
  accessKeyId: string;
  /** Secret key of the Spaces key (secret). */
  secretKey: string;
  /** Absolute path of the age recipients file on the same machine. */
  recipientsFile: string;
  /** Off-site objects older than this many days are deleted. */
  keepDays: number;
  /** healthchecks.io-style ping URL (secret); without it, no pings. */
  heartbeatUrl?: string;
}

/** The variables renderBackupEnv writes, and the script reads. */
export const BACKUP_ENV = {
  endpoint: "BERTH_BACKUP_ENDPOINT",
  region: "BERTH_BACKUP_REGION",
  bucket: "BERTH_BACKUP_BUCKET",
  accessKeyId: "BERTH_BACKUP_ACCESS_KEY_ID",
  secretKey: "BERTH_BACKUP_SECRET_KEY",
  recipientsFile: "BERTH_BACKUP_RECIPIENTS_FILE",
  keepDays: "BERTH_BACKUP_KEEP_DAYS",
  heartbeatUrl: "BERTH_BACKUP_HEARTBEAT_URL",
} as const;

/** Characters curl's config syntax and the URL rules leave safe inside a quoted value. */
const CONFIG_SAFE = /^[^\s"\\]*$/;

/**
 * The settings file every backup job of a host reads (sourced by the script; write it 0600). With
 * no storage (off-site off), pass `undefined` fields as empty strings: only the heartbeat is used.
 */
export function renderBackupEnv(opts: BackupEnvOptions): string {
  for (const [key, value] of Object.entries(opts)) {
    if (typeof value === "string" && !CONFIG_SAFE.test(value)) throw new Error(`backup settings: ${key} must not contain spaces, quotes or backslashes`);
  }
  if (!Number.isInteger(opts.keepDays) || opts.keepDays < 1) throw new Error(`backup settings: keepDays must be a positive integer (got ${opts.keepDays})`);
  const line = (key: keyof typeof BACKUP_ENV, value: string | number | undefined) => `${BACKUP_ENV[key]}=${shellQuote(String(value ?? ""))}`;
  return [
    "# Written by berth: settings of the off-site backup jobs. Holds secrets: mode 0600, root only.",
    line("endpoint", opts.endpoint.replace(/\/+$/, "")),
    line("region", opts.region),
    line("bucket", opts.bucket),
    line("accessKeyId", opts.accessKeyId),
    line("secretKey", opts.secretKey),
    line("recipientsFile", opts.recipientsFile),
    line("keepDays", opts.keepDays),
    line("heartbeatUrl", opts.heartbeatUrl?.replace(/\/+$/, "")),
    "",
  ].join("\n");
}

/** What a dump of each engine starts with: pg_dump's custom format and Redis's RDB. */
const MAGIC = { postgres: "PGDMP", redis: "REDIS" } as const;

/** The backup job's script (bash). See the file comment for what one run does. */
export function renderBackupScript(opts: BackupScriptOptions): string {
  const offsite = opts.offsite ?? true;
  if (!/^[a-z][a-z0-9-]*$/.test(opts.name)) throw new Error(`${JSON.stringify(opts.name)} is not a database name`);
  if (opts.engine === "redis" && opts.localDir !== undefined) throw new Error(`database ${opts.name}: local dumps are for postgres only`);
  if (!offsite && opts.localDir === undefined) throw new Error(`database ${opts.name}: a backup job with neither off-site upload nor local dumps does nothing`);
  if (opts.localDir !== undefined && !(Number.isInteger(opts.localKeepDays) && opts.localKeepDays! >= 1)) {
    throw new Error(`database ${opts.name}: localKeepDays must be a positive integer with localDir`);
  }
  for (const [key, value] of [["envFile", opts.envFile], ["statusDir", opts.statusDir], ["localDir", opts.localDir ?? "/"]]) {
    if (!value.startsWith("/")) throw new Error(`database ${opts.name}: ${key} must be an absolute path (got ${JSON.stringify(value)})`);
  }
  const ext = OFFSITE_BACKUP_EXTENSIONS[opts.engine];
  const prefix = offsiteBackupPrefix(opts.engine, opts.name);
  const env = BACKUP_ENV;
  return [
    "#!/bin/bash",
    `# Written by berth: backs up ${opts.engine} database ${opts.name}${offsite ? " off-site, encrypted with age" : ""}${opts.localDir ? ", keeping a local dump" : ""}.`,
    "set -Eeuo pipefail",
    `engine=${opts.engine}`,
    `name=${shellQuote(opts.name)}`,
    `container=${shellQuote(opts.container)}`,
    `env_file=${shellQuote(opts.envFile)}`,
    `status_dir=${shellQuote(opts.statusDir)}`,
    `offsite=${offsite ? 1 : 0}`,
    `local_dir=${shellQuote(opts.localDir ?? "")}`,
    `local_keep_days=${opts.localKeepDays ?? 0}`,
    `stamp=$(date -u +${DUMP_TIME_FORMAT})`,
    `key="${offsiteBackupKey(opts.engine, opts.name, "${stamp}")}"`,
    `key_prefix=${shellQuote(prefix)}`,
    `key_pattern=${shellQuote(`^${prefix}${opts.name}-([0-9]{8}T[0-9]{6}Z)\\.${ext}\\.age$`)}`,
    `magic=${MAGIC[opts.engine]}`,
    "umask 077",
    "step='starting'",
    'work=""',
    "",
    "# --- status file and heartbeat ---",
    "json_string() {",
    "  local s=$1",
    "  s=${s//\\\\/\\\\\\\\}",
    '  s=${s//\\"/\\\\\\"}',
    "  s=$(printf '%s' \"$s\" | tr '\\000-\\037' ' ')",
    "  printf '\"%s\"' \"$s\"",
    "}",
    "# One key per line, so a run keeps the other outcome's line of the previous file as it is.",
    "write_status() { # OUTCOME LINE",
    '  local file="$status_dir/$name.json" success failure',
    '  mkdir -p "$status_dir" && chmod 0700 "$status_dir"',
    '  success=$(grep -s \'^  "lastSuccess": \' "$file" | sed \'s/,$//\' || true)',
    '  failure=$(grep -s \'^  "lastFailure": \' "$file" | sed \'s/,$//\' || true)',
    '  if [ "$1" = success ]; then success=$2; else failure=$2; fi',
    "  {",
    '    printf \'{\\n  "database": %s,\\n  "engine": "%s",\\n\' "$(json_string "$name")" "$engine"',
    '    [ -z "$success" ] || printf \'%s,\\n\' "$success"',
    '    [ -z "$failure" ] || printf \'%s,\\n\' "$failure"',
    '    printf \'  "lastOutcome": "%s"\\n}\\n\' "$1"',
    '  } > "$file.tmp.$$"',
    '  chmod 0600 "$file.tmp.$$"',
    '  mv -f "$file.tmp.$$" "$file"',
    "}",
    "# Pings the heartbeat (PATH is '' or /fail) with BODY; the URL is read by curl from standard input.",
    "ping() { # PATH BODY",
    `  local url=\${${env.heartbeatUrl}:-}`,
    '  if [ -z "$url" ]; then echo "berth: no heartbeat URL configured: nobody is told about this run" >&2; return 0; fi',
    `  if ! printf 'url = "%s%s"\\n' "$url" "$1" | curl -fsS -m 10 --retry 3 -o /dev/null -K - --data-binary "$2" 2>/dev/null; then`,
    '    echo "berth: the heartbeat ping failed (the backup outcome stands)" >&2',
    "  fi",
    "}",
    "now() { date -u +%Y-%m-%dT%H:%M:%SZ; }",
    "fail() { # REASON",
    "  trap - ERR",
    '  local reason="$name: $step failed: $1"',
    '  echo "berth: backup of $reason" >&2',
    '  write_status failure "$(printf \'  "lastFailure": {"at": "%s", "step": %s, "reason": %s}\' "$(now)" "$(json_string "$step")" "$(json_string "$reason")")" || echo "berth: could not write the status file" >&2',
    '  ping /fail "backup of $reason"',
    "  exit 1",
    "}",
    "# The last lines a failed command wrote to its error file, on one line.",
    'errors() { tail -n 3 "$work/err" 2>/dev/null | tr \'\\n\' \' \' | sed \'s/ *$//\'; }',
    "trap 'fail \"unexpected error (exit $?) at line $LINENO: $(errors)\"' ERR",
    "trap '[ -z \"$work\" ] || rm -rf \"$work\"' EXIT",
    "",
    "# --- S3 requests, signed by curl; the credentials reach it on standard input ---",
    "# No overall time limit (a dump may be large); a transfer stalled below 1 kB/s for 2 minutes fails.",
    "# One PUT: S3's limit of 5 GB per object applies to the encrypted dump.",
    "s3() { # METHOD PATH_AND_QUERY [curl args...] (payload hash of an empty body unless -T is given)",
    '  local method=$1 path=$2 hash',
    "  shift 2",
    "  hash=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    '  if [ "${1:-}" = -T ]; then hash=$(sha256sum "$2" | cut -d" " -f1); fi',
    `  printf 'user = "%s:%s"\\n' "$${env.accessKeyId}" "$${env.secretKey}" |`,
    `    curl -fsS --connect-timeout 30 --speed-limit 1024 --speed-time 120 --retry 2 -K - --aws-sigv4 "aws:amz:$${env.region}:s3" -H "x-amz-content-sha256: $hash" -X "$method" "$@" "$${env.endpoint}/$${env.bucket}$path"`,
    "}",
    "",
    "# 1. Settings.",
    "step='reading the settings'",
    'work=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-backup-$name.XXXXXX")',
    '[ -r "$env_file" ] || fail "$env_file is missing or unreadable"',
    "# shellcheck source=/dev/null",
    '. "$env_file"',
    'if [ "$offsite" = 1 ]; then',
    `  for var in ${[env.endpoint, env.region, env.bucket, env.accessKeyId, env.secretKey, env.recipientsFile, env.keepDays].join(" ")}; do`,
    '    [ -n "${!var:-}" ] || fail "$var is not set in $env_file"',
    "  done",
    `  [ -r "$${env.recipientsFile}" ] || fail "the age recipients file $${env.recipientsFile} is missing"`,
    "fi",
    "",
    "# 2. The database container.",
    "step='checking the container'",
    'running=$(docker inspect -f "{{.State.Running}}" "$container" 2>"$work/err" || true)',
    '[ "$running" = true ] || fail "container $container is not running${running:+ (running=$running)}$(errors | sed \'s/^/: /\')"',
    "",
    "# 3. Dump (postgres with local dumps: straight into the local directory, renamed when complete).",
    "step='dumping'",
    'dump="$work/$name-$stamp.$engine"',
    'if [ -n "$local_dir" ]; then mkdir -p "$local_dir"; dump="$local_dir/$name-$stamp.dump.partial"; fi',
    'if [ "$engine" = postgres ]; then',
    "  # Local socket inside the container: no password needed, none on any command line.",
    '  docker exec "$container" pg_dump -U "$name" -d "$name" --format=custom > "$dump" 2>"$work/err" || { rm -f "$dump"; fail "pg_dump exited $?: $(errors)"; }',
    "else",
    "  # REDISCLI_AUTH is in the container's environment. Written to a file in the container: with",
    "  # '-' as the file, redis-cli 7.0 appends the transfer's EOF marker to the snapshot.",
    "  snapshot=/tmp/berth-backup.rdb",
    '  docker exec "$container" sh -c \'redis-cli --rdb "$1" >/dev/null && cat "$1"; status=$?; rm -f "$1"; exit $status\' sh "$snapshot" > "$dump" 2>"$work/err" || fail "redis-cli --rdb exited $?: $(errors)"',
    "fi",
    'if [ ! -s "$dump" ]; then rm -f "$dump"; fail "the dump is empty"; fi',
    'if [ "$(head -c 5 "$dump")" != "$magic" ]; then rm -f "$dump"; fail "the dump does not start with $magic (not a $engine dump)"; fi',
    'if [ -n "$local_dir" ]; then',
    '  mv "$dump" "${dump%.partial}"',
    '  dump=${dump%.partial}',
    '  find "$local_dir" -maxdepth 1 -name "$name-*.dump" -type f -mtime +"$local_keep_days" -delete',
    '  echo "berth: kept $dump"',
    "fi",
    'if [ "$offsite" = 0 ]; then',
    '  write_status success "$(printf \'  "lastSuccess": {"at": "%s", "local": %s, "bytes": %s}\' "$(now)" "$(json_string "$dump")" "$(stat -c %s "$dump")")"',
    '  ping "" "$name: kept $dump"',
    "  exit 0",
    "fi",
    "",
    "# 4. Encrypt, to public keys only: the private key never reaches this machine.",
    "step='encrypting with age'",
    `age -R "$${env.recipientsFile}" -o "$work/$name-$stamp.age" "$dump" 2>"$work/err" || fail "age exited $?: $(errors)"`,
    'encrypted="$work/$name-$stamp.age"',
    'bytes=$(stat -c %s "$encrypted")',
    "",
    "# 5. Upload.",
    "step='uploading'",
    's3 PUT "/$key" -T "$encrypted" -o /dev/null 2>"$work/err" || fail "$(errors)"',
    "",
    "# 6. Verify: the stored object has the size of what was sent.",
    "step='verifying the upload'",
    's3 HEAD "/$key" -I -o "$work/head" 2>"$work/err" || fail "$(errors)"',
    "stored=$(tr -d '\\r' < \"$work/head\" | sed -n 's/^[Cc]ontent-[Ll]ength: *//p' | tail -n 1)",
    '[ "$stored" = "$bytes" ] || fail "the stored object has ${stored:-no} bytes, $bytes were sent"',
    'echo "berth: uploaded $key ($bytes bytes)"',
    "",
    "# 7. Prune this database's objects older than keepDays, by the time in their key.",
    "step='pruning old off-site backups'",
    `cutoff=$(date -u -d "@$(( $(date +%s) - ${env.keepDays} * 86400 ))" +${DUMP_TIME_FORMAT})`,
    "after=''",
    "while :; do",
    '  query="?list-type=2&prefix=${key_prefix//\\//%2F}${after:+&start-after=${after//\\//%2F}}"',
    '  s3 GET "$query" -o "$work/list" 2>"$work/err" || fail "listing: $(errors)"',
    "  keys=$(grep -o '<Key>[^<]*</Key>' \"$work/list\" | sed 's/<[^>]*>//g' || true)",
    "  for old in $keys; do",
    '    after=$old',
    '    [[ $old =~ $key_pattern ]] || continue',
    '    [[ ${BASH_REMATCH[1]} < $cutoff ]] || continue',
    '    s3 DELETE "/$old" -o /dev/null 2>"$work/err" || fail "deleting $old: $(errors)"',
    '    echo "berth: pruned $old"',
    "  done",
    '  if ! grep -q "<IsTruncated>true</IsTruncated>" "$work/list" || [ -z "$keys" ]; then break; fi',
    "done",
    "",
    "# 8. Record and report.",
    "step='recording'",
    'write_status success "$(printf \'  "lastSuccess": {"at": "%s", "key": %s, "bytes": %s}\' "$(now)" "$(json_string "$key")" "$bytes")"',
    "# One heartbeat for every database of the host: it stays down while any of them last failed.",
    'failing=$(grep -l \'^  "lastOutcome": "failure"\' "$status_dir"/*.json 2>/dev/null | sed \'s|.*/||; s|\\.json$||\' | tr \'\\n\' \' \' || true)',
    'if [ -n "$failing" ]; then',
    '  ping /fail "backup of $name succeeded ($key), but the last backup of: ${failing% } failed (see $status_dir)"',
    "else",
    '  ping "" "backup of $name: $key ($bytes bytes)"',
    "fi",
    'echo "berth: backed up $name to $key"',
    "",
  ].join("\n");
}
