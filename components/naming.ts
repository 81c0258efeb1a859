/**
 * Names shared by the components: Docker object names, network aliases and labels. One place, so
 * the proxy config and the containers always agree on how an app is found.
 */

/** Prefix of every Docker object of a stack, e.g. `berth-prod`. */
export function stackPrefix(stack: string): string {
  return `berth-${stack.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
}

/** Network alias every replica of an app joins; HAProxy resolves it through Docker's DNS. */
export function appAlias(app: string): string {
  return `app-${app}`;
}

/** Network alias of a database on the internal data network. */
export function databaseAlias(db: string): string {
  return `db-${db}`;
}

/** Docker label list, as the Docker provider takes it. */
export function dockerLabels(labels: Record<string, string>): { label: string; value: string }[] {
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

/** The process an app's top-level hosts, port, replicas and health describe; it rolls last. */
export const WEB_PROCESS = "web";

/**
 * Base of the names of a process's replicas (Pulumi resources and containers): the app's name for
 * its web process, as before processes existed, so existing replicas keep their names.
 */
export function processBaseName(app: string, process: string): string {
  return process === WEB_PROCESS ? app : `${app}-${process}`;
}

/** Network alias of a routed process: the app's alias for its web process. */
export function processAlias(app: string, process: string): string {
  return appAlias(processBaseName(app, process));
}

/** Container (and host command) name of an app's release phase. */
export function releaseName(prefix: string, app: string): string {
  return `${prefix}-${app}-release`;
}

/**
 * systemd unit and one-off container name of a job. `_` never occurs in stack, app or job names, so
 * the units of app `shop` never share a prefix with those of an app `shop-x`.
 */
export function jobUnitName(prefix: string, app: string, job: string): string {
  return `${prefix}-${app}_job-${job}`;
}

/** Named Docker volume of a Postgres database's dumps on the `local` target (a droplet keeps them on its volume). */
export function databaseDumpsVolumeName(prefix: string, db: string): string {
  return `${prefix}-db-${db}-backups`;
}

/**
 * Container name of a one-off `berth run` of an app; `id` tells concurrent runs apart. `_`, as in
 * jobUnitName, keeps it apart from the replicas of an app named `<app>-run`.
 */
export function oneOffRunName(prefix: string, app: string, id: string): string {
  return `${prefix}-${app}_run-${id}`;
}

/** What an off-site backup object holds: a `pg_dump --format=custom` or a Redis RDB snapshot. */
export const OFFSITE_BACKUP_EXTENSIONS = { postgres: "dump", redis: "rdb" } as const;

/**
 * Key of an off-site backup object in the stack's bucket, age-encrypted:
 * `postgres/main/main-20261122T030512Z.dump.age`, `redis/cache/cache-20261122T030512Z.rdb.age`.
 * `stamp` is the UTC time as `date -u +%Y%m%dT%H%M%SZ` prints it (DUMP_TIME_FORMAT).
 */
export function offsiteBackupKey(engine: keyof typeof OFFSITE_BACKUP_EXTENSIONS, db: string, stamp: string): string {
  return `${offsiteBackupPrefix(engine, db)}${db}-${stamp}.${OFFSITE_BACKUP_EXTENSIONS[engine]}.age`;
}

/** The key prefix every off-site backup of one database shares (for listing it). */
export function offsiteBackupPrefix(engine: keyof typeof OFFSITE_BACKUP_EXTENSIONS, db: string): string {
  return `${engine}/${db}/`;
}

/** Matches the key of an off-site backup of database `db`; group 1 is its UTC time stamp. */
export function offsiteBackupKeyPattern(engine: keyof typeof OFFSITE_BACKUP_EXTENSIONS, db: string): RegExp {
  const esc = (s: string) => s.replace(/[^A-Za-z0-9]/g, "\\$&");
  return new RegExp(`^${esc(offsiteBackupPrefix(engine, db) + db)}-(\\d{8}T\\d{6}Z)\\.${OFFSITE_BACKUP_EXTENSIONS[engine]}\\.age$`);
}

/**
 * Container name of the short-lived helper `berth restore` runs on a stopped Redis's data (the
 * snapshot loaded and written back as its append-only file); `id` tells runs apart.
 */
export function restoreHelperName(prefix: string, db: string, id: string): string {
  return `${prefix}-db-${db}_restore-${id}`;
}
