import type { Engine } from "../config/schema";

/**
 * What berth needs to know about each database engine's official image. The e2e stand-in images
 * honour the same contract (paths, variables, uid 999, health commands).
 */
export interface EngineSpec {
  /** Port the server listens on inside the container. */
  port: number;
  /** Data directory inside the container; it lives on the data volume. */
  dataDir: string;
  /** Environment variable through which apps receive the connection URL. */
  urlEnv: "DATABASE_URL" | "REDIS_URL";
  /** Docker health check command (CMD-SHELL form). */
  healthCommand: string;
  /** Signal that makes the server shut down cleanly and quickly. */
  stopSignal: string;
  /** Seconds the server gets to stop before it is killed. */
  stopGraceSeconds: number;
}

export const ENGINE_SPECS: Record<Engine, EngineSpec> = {
  postgres: {
    port: 5432,
    dataDir: "/var/lib/postgresql/data",
    urlEnv: "DATABASE_URL",
    healthCommand: 'pg_isready -q -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"',
    // Fast shutdown: roll back open transactions, checkpoint, exit.
    stopSignal: "SIGINT",
    stopGraceSeconds: 60,
  },
  redis: {
    port: 6379,
    dataDir: "/data",
    urlEnv: "REDIS_URL",
    // REDISCLI_AUTH keeps the password off redis-cli's command line.
    healthCommand: "redis-cli ping | grep -q PONG",
    stopSignal: "SIGTERM",
    stopGraceSeconds: 30,
  },
};

/** Where berth writes the Redis config (owned by the image's redis user, uid 999, mode 0600). */
export const REDIS_CONFIG_FILE = "/usr/local/etc/redis/berth.conf";

/** Redis server config: password, append-only persistence, memory cap without silent eviction. */
export function renderRedisConfig(password: string, memoryMb: number, dataDir = ENGINE_SPECS.redis.dataDir): string {
  return [
    "# Written by berth.",
    "bind * -::*",
    "port 6379",
    `dir ${dataDir}`,
    "appendonly yes",
    "appendfsync everysec",
    // Leave headroom below the container limit for fork-based persistence.
    `maxmemory ${Math.floor(memoryMb * 0.75)}mb`,
    "maxmemory-policy noeviction",
    `requirepass ${password}`,
    "",
  ].join("\n");
}
