import * as net from "net";
import { z } from "zod";

/**
 * Field builders for the stack config schema. Each one carries a single message that says what is
 * allowed, so every way a value can be wrong reads the same: "must be an integer from 1 to 50".
 *
 * Pulumi hands top-level scalar config values to the program as strings ("3", "true"), so the
 * number and boolean builders accept those spellings too.
 */

const numeric = (v: unknown) => (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v);
const boolish = (v: unknown) => (v === "true" ? true : v === "false" ? false : v);

export function integer(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.preprocess(numeric, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
}

export function decimal(min: number, max: number) {
  const error = `must be a number from ${min} to ${max}`;
  return z.preprocess(numeric, z.number({ error }).min(min, { error }).max(max, { error }));
}

export function boolean() {
  return z.preprocess(boolish, z.boolean({ error: "must be true or false" }));
}

export function pattern(re: RegExp, allowed: string) {
  const error = `must be ${allowed}`;
  return z.string({ error }).regex(re, { error });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

/** A lowercase name usable in Docker object names, DNS aliases and Pulumi resource names. */
export const resourceName = pattern(
  /^[a-z][a-z0-9-]{0,29}$/,
  "a lowercase name of letters, digits and '-', starting with a letter, at most 30 characters",
);

/** A DNS host name (lowercase labels separated by dots). */
export const hostName = pattern(
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
  "a lowercase host name such as app.example.com",
);

/**
 * Docker's longest repository name, registry host included: moby/moby v20.10.24,
 * vendor/github.com/docker/distribution/reference/reference.go:36-37 (NameTotalLengthMax), checked in Parse (:201).
 */
export const DOCKER_NAME_MAX = 255;

/** The repository name of an image reference: the reference without its digest and tag. */
export function repositoryName(ref: string): string {
  const name = ref.split("@")[0];
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

/** A reference matching `re` whose repository name Docker takes (at most DOCKER_NAME_MAX characters). */
export function dockerReference(re: RegExp, allowed: string) {
  const error = `must be ${allowed}, its repository name at most ${DOCKER_NAME_MAX} characters`;
  return z
    .string({ error })
    .regex(re, { error })
    .refine((ref) => repositoryName(ref).length <= DOCKER_NAME_MAX, { error });
}

/**
 * A Docker image reference: [registry[:port]/]path[:tag][@digest]. Anything with whitespace or
 * uppercase path characters is refused here rather than by the Docker engine mid-deploy.
 */
export const imageRef = dockerReference(
  /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
  "a Docker image reference such as ghcr.io/acme/web:1.4.2, without spaces",
);

/**
 * No NUL character in a string that becomes an argument or an environment value: execve(2) takes
 * NUL-terminated strings, and Go refuses one with a NUL (EINVAL) before it gets there (moby/moby
 * v20.10.24, vendor/golang.org/x/sys/unix/syscall.go:36-45, ByteSliceFromString), so the container
 * or one-off run would fail mid-deploy.
 */
export const NUL_ERROR = "must not contain a NUL character (\\0): no command or environment can carry one";
export const hasNoNul = (value: string) => !value.includes("\0");

/** An environment variable name. */
export const envName = pattern(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name (letters, digits, '_')");

/** An IPv4 or IPv6 CIDR block such as 203.0.113.0/24. */
export const cidr = z.string({ error: "must be a CIDR block such as 203.0.113.0/24 or 2001:db8::/32" }).refine(isCidr, {
  error: "must be a CIDR block such as 203.0.113.0/24 or 2001:db8::/32",
});

export function isCidr(value: string): boolean {
  // No zone index (`fe80::1%eth0`, which net.isIP allows) and no leading zero in the prefix length.
  const match = /^([^/\s%]+)\/(0|[1-9]\d{0,2})$/.exec(value);
  if (!match) return false;
  const family = net.isIP(match[1]);
  const bits = Number(match[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

/**
 * An object that refuses unknown keys and names the keys it does know, so a typo such as
 * `replica:` is caught with a hint instead of being silently ignored.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `has unknown setting ${issue.keys.map((k) => `'${shortKey(k)}'`).join(", ")} (known: ${known})`
        : "must be an object",
  });
}

/**
 * A key name as an error shows it: a huge one (a pasted value, say) is cut to its start and length,
 * so one bad key cannot make an error thousands of characters long.
 */
export function shortKey(name: string): string {
  return name.length > 64 ? `${name.slice(0, 40)}... (${name.length} characters)` : name;
}

/** A map from names to values; the names are checked with `key`. */
export function namedMap<V extends z.ZodType>(key: z.ZodType<string>, value: V) {
  return z.record(key, value, { error: "must be a map of names to settings" });
}
