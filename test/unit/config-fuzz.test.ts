import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "assert";
import { loadStackConfig } from "../../components/config/load";
import { keyPath, SECRET_KEYS, SECRET_PATHS } from "../../components/config/parse";
import {
  baseConfigs,
  describeChange,
  fuzzSeed,
  getAt,
  knownKeys,
  Mutation,
  MUTATION_CLASSES,
  mutations,
  nodes,
  Path,
  Rng,
  SECRET_MARK,
} from "../harness/fuzz";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { fakeOutputs } from "../harness/fakes";
import { runProgram } from "../harness/program";

/**
 * The config fuzzer (issue 10): ≥1000 seeded mutations of valid configs, each of which must end in
 * either a ConfigError that names the key, or a valid config; never a crash, a stack trace, a raw
 * schema dump, or a resource registered before the failure.
 *
 * Replay a failure with the seed its message prints: BERTH_FUZZ_SEED=<seed> npx mocha test/unit/config-fuzz.test.ts
 *
 * Steps:
 *   1. Generate the mutations (test/harness/fuzz.ts) from the seed.
 *   2. Validate each through the loader, as index.ts does first: every `berth:` value handed over as
 *      the Pulumi CLI does (scalars as strings, lists and objects as JSON text), the secret keys
 *      marked secret, then loadStackConfig().
 *   3. Check every error: a RunError (the CLI prints its message only), each problem line naming a
 *      key (see `namedKey`), no stack trace or zod internals, bounded, no secret value.
 *   4. Run the whole program (index.ts under mocks) for a deterministic sample of each outcome: a
 *      failing config registers no resource at all, a valid one runs to the end.
 */

const SEED = fuzzSeed();
const COUNT = 1200;
/** How many of each outcome run the whole program (step 4): a valid run takes about a second, a refused one a few ms. */
const PROGRAM_SAMPLE = { valid: 20, failing: 60 };
/** The longest problem line and whole message an error may have. */
const MAX_LINE = 1000;
const MAX_MESSAGE = 20_000;
const RAW_OUTPUT = [/^ {4}at /m, /"code":/, /ZodError/, /\[object Object\]/, /invalid_type|invalid_union|invalid_value|too_small|too_big|invalid_format/, /Invalid input/, /\bexpected \w+, received\b/];

/**
 * What every program run gets besides the `berth:` config, as a real stack has it: the Cloudflare
 * token tlsMode acme needs (components/tls/dns-token.ts), and the fake providers plus what the ACME
 * provider returns for an issued certificate (as in tls.test.ts), which the proxy waits for.
 */
const PROVIDER = {
  providerConfig: { "cloudflare:apiToken": `cf-token-${SECRET_MARK}` },
  providerSecretKeys: ["cloudflare:apiToken"],
  newResource: async (args: MockResourceArgs) => {
    const result = fakeOutputs(args);
    if (args.type !== "acme:index/certificate:Certificate") return result;
    const pem = (what: string) => `-----BEGIN CERTIFICATE-----\nFUZZ${what}\n-----END CERTIFICATE-----\n`;
    return { ...result, state: { ...result.state, certificatePem: pem("LEAF"), issuerPem: pem("ISSUER"), certificateNotAfter: "2027-03-05T00:00:00Z" } };
  },
};

/** Top-level keys that hold a secret: set with --secret, as a user following the errors would. */
const SECRET_TOP_KEYS: string[] = [...SECRET_KEYS, ...SECRET_PATHS.map(([key]) => key)];
const isSecretPath = (path: Path) =>
  (SECRET_KEYS as readonly unknown[]).includes(path[0]) || SECRET_PATHS.some((p) => p.every((part, i) => path[i] === part));

interface Outcome {
  mutation: Mutation;
  /** The error the loader threw, or undefined when the config is valid. */
  error?: unknown;
}

/** The loader path of index.ts: config as the Pulumi CLI hands it over, then loadStackConfig(). */
function load(config: Record<string, unknown>): void {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) flat[`berth:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  pulumi.runtime.setAllConfig(flat, SECRET_TOP_KEYS.map((k) => `berth:${k}`));
  loadStackConfig();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The key a problem line names. A line names a key when it starts with `berth:` + the path of
 * either (a) a node of the mutated config, or (b) a key that is missing under an object node of it:
 * one key or a chain of them, each a key the schema's object at that place has (not a map entry), such
 * as a required `berth:apps.web.jobs.x.schedule` or a defaulted `berth:backups.ageRecipients`.
 * The path is followed by a space or a colon; the longest such path wins. Undefined: names no key.
 */
function namedKey(line: string, config: Record<string, unknown>): { path: Path; missing: boolean } | undefined {
  let best: { path: Path; missing: boolean; length: number } | undefined;
  const consider = (path: Path, missing: boolean, length: number) => {
    if (!best || length > best.length) best = { path, missing, length };
  };
  for (const n of nodes(config)) {
    const at = keyPath(n.path);
    if (!line.startsWith(at)) continue;
    if (/^[ :]/.test(line.slice(at.length))) consider(n.path, false, at.length);
    // A missing key: "berth:" + key at the root, "<path>." + key below it.
    const sep = n.path.length === 0 ? "" : ".";
    if (!isObject(n.value) || line.slice(at.length, at.length + sep.length) !== sep) continue;
    const chain = /^([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)[ :]/.exec(line.slice(at.length + sep.length));
    if (!chain) continue;
    const keys = chain[1].split(".");
    if (Object.prototype.hasOwnProperty.call(n.value, keys[0])) continue;
    const path = [...n.path, ...keys];
    if (keys.every((key, i) => knownKeys([...n.path, ...keys.slice(0, i)]).includes(key))) {
      consider(path, true, at.length + sep.length + chain[1].length);
    }
  }
  return best && { path: best.path, missing: best.missing };
}

function report(what: string, failures: string[]): void {
  if (failures.length === 0) return;
  assert.fail(
    `${failures.length} mutation(s) ${what} (seed ${SEED}; replay with BERTH_FUZZ_SEED=${SEED}):\n` +
      failures.slice(0, 8).join("\n---\n") +
      (failures.length > 8 ? `\n--- and ${failures.length - 8} more` : ""),
  );
}

function label(m: Mutation): string {
  return `#${m.index} on ${m.base.name}: ${m.changes.map(describeChange).join("; ")}`;
}

const shorten = (text: string) => (text.length > 600 ? `${text.slice(0, 600)}... (${text.length} characters)` : text);

describe(`config fuzz (seed ${SEED})`, function () {
  this.timeout(120_000);
  let outcomes: Outcome[] = [];
  let saved: Record<string, string>;

  before(() => {
    saved = { ...pulumi.runtime.allConfig() };
    outcomes = mutations(SEED, COUNT).map((mutation) => {
      try {
        load(mutation.config);
        return { mutation };
      } catch (error) {
        return { mutation, error };
      }
    });
    const failing = outcomes.filter((o) => o.error !== undefined).length;
    const perClass = MUTATION_CLASSES.map((c) => `${c} ${outcomes.filter((o) => o.mutation.class === c).length}`).join(", ");
    console.log(`      config fuzz: seed ${SEED}, ${outcomes.length} mutations (${perClass}): ${failing} refused, ${outcomes.length - failing} valid`);
  });

  after(() => pulumi.runtime.setAllConfig(saved));

  it("starts from base configs that are valid", () => {
    const invalid = baseConfigs().flatMap((base) => {
      try {
        load(base.config);
        return [];
      } catch (err) {
        return [`${base.name}: ${(err as Error).message}`];
      }
    });
    assert.deepEqual(invalid, [], "a base config is invalid, so its mutations test little");
  });

  it("applies at least 1000 mutations, of every class", () => {
    assert.ok(outcomes.length >= 1000, `only ${outcomes.length} mutations`);
    for (const c of MUTATION_CLASSES) {
      assert.ok(outcomes.filter((o) => o.mutation.class === c).length >= 100, `fewer than 100 ${c} mutations`);
    }
  });

  it("ends every mutation in a ConfigError (a RunError) or a valid config, never another error", () => {
    report(
      "crashed",
      outcomes
        .filter((o) => o.error !== undefined && !(pulumi.RunError.isInstance(o.error as Error) && (o.error as Error).name === "ConfigError"))
        .map((o) => `${label(o.mutation)}\n${shorten(String((o.error as Error)?.stack ?? o.error))}`),
    );
  });

  const errors = () => outcomes.filter((o) => pulumi.RunError.isInstance(o.error as Error)) as (Outcome & { error: Error })[];

  it("starts every problem line with berth: and the path of a key of the mutated config, or of a missing key under one", () => {
    const failures: string[] = [];
    for (const o of errors()) {
      const lines = o.error.message.split("\n");
      if (lines[0] !== "invalid berth config:") failures.push(`${label(o.mutation)}\nfirst line: ${shorten(lines[0])}`);
      for (const line of lines.slice(1)) {
        const problem = line.replace(/^ {2}- /, "");
        if (!line.startsWith("  - ") || namedKey(problem, o.mutation.config) === undefined) {
          failures.push(`${label(o.mutation)}\nnames no key: ${shorten(problem)}`);
        }
      }
    }
    report("named no key", failures);
  });

  it("shows no stack trace, zod internals or object dump in any error", () => {
    report(
      "showed raw output",
      errors()
        .filter((o) => RAW_OUTPUT.some((re) => re.test(o.error.message)))
        .map((o) => `${label(o.mutation)}\n${shorten(o.error.message)}`),
    );
  });

  it(`keeps every problem line under ${MAX_LINE} characters and every error under ${MAX_MESSAGE}`, () => {
    report(
      "gave an unbounded error",
      errors()
        .filter((o) => o.error.message.length > MAX_MESSAGE || o.error.message.split("\n").some((l) => l.length > MAX_LINE))
        .map((o) => `${label(o.mutation)}\n${shorten(o.error.message)}`),
    );
  });

  it("never shows a secret value in an error, neither a base config's nor one the mutation set", () => {
    const shown = (o: Outcome & { error: Error }) =>
      o.error.message.includes(SECRET_MARK) ||
      o.mutation.changes.some(
        (c) => isSecretPath(c.path) && typeof c.value === "string" && c.value.trim().length >= 8 && o.error.message.includes(c.value),
      );
    report(
      "showed a secret",
      errors()
        .filter(shown)
        .map((o) => `${label(o.mutation)}\n${shorten(o.error.message)}`),
    );
  });

  it("refuses a key the schema does not know, naming the object it was added to", () => {
    const failures: string[] = [];
    for (const o of outcomes) {
      for (const c of o.mutation.changes) {
        const parent = c.path.slice(0, -1);
        const known = knownKeys(parent);
        // Only objects with a fixed set of keys; in a map (apps, env, ...) a new key is a new entry.
        if (c.class !== "unknown-key" || known.length === 0 || known.includes(String(c.path[c.path.length - 1]))) continue;
        // A later change of the same mutation may have replaced or deleted the object it was added to.
        const holder = getAt(o.mutation.config, parent);
        if (!isObject(holder) || !Object.prototype.hasOwnProperty.call(holder, c.path[c.path.length - 1])) continue;
        const at = keyPath(parent);
        const named = o.error instanceof Error && o.error.message.split("\n").some((l) => l.startsWith(`  - ${at} has unknown setting`));
        if (!named) failures.push(`${label(o.mutation)}\n${o.error ? shorten(String((o.error as Error).message)) : "accepted"}`);
      }
    }
    report("accepted an unknown key", failures);
  });

  describe("in the whole program (index.ts under mocks), a deterministic sample", () => {
    const sample = (valid: boolean, max: number) => {
      const pool = outcomes.filter((o) => (o.error === undefined) === valid);
      const rng = new Rng(SEED);
      const picked = new Set<Outcome>();
      while (picked.size < Math.min(max, pool.length)) picked.add(rng.pick(pool));
      return [...picked];
    };

    it(`registers no resource at all for a refused config, failing with the loader's error (${PROGRAM_SAMPLE.failing} of them)`, async () => {
      const failures: string[] = [];
      for (const o of sample(false, PROGRAM_SAMPLE.failing)) {
        let registered = 0;
        const error = await runProgram({
          stack: o.mutation.base.stack,
          config: o.mutation.config,
          secretKeys: SECRET_TOP_KEYS,
          ...PROVIDER,
          beforeRegister: () => registered++,
        }).then(
          () => undefined,
          (err: Error) => err,
        );
        if (!error || !pulumi.RunError.isInstance(error) || error.message !== (o.error as Error).message || registered > 0) {
          failures.push(`${label(o.mutation)}\n${registered} resource(s) registered; ${error ? shorten(error.message) : "no error"}`);
        }
      }
      report("registered resources or did not fail", failures);
    });

    it(`runs a valid config to the end (${PROGRAM_SAMPLE.valid} of them)`, async () => {
      const failures: string[] = [];
      for (const o of sample(true, PROGRAM_SAMPLE.valid)) {
        await runProgram({ stack: o.mutation.base.stack, config: o.mutation.config, secretKeys: SECRET_TOP_KEYS, ...PROVIDER }).catch(
          (err: Error) => failures.push(`${label(o.mutation)}\n${shorten(String(err.stack ?? err))}`),
        );
      }
      report("failed in the program after validating", failures);
    });
  });
});
