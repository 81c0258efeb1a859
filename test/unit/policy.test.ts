import { strict as assert } from "assert";
import {
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  unknownCheckingProxy,
} from "@pulumi/policy";
import { DEFAULT_PROD_STACKS, isProductionStack, stackFromEnvironment } from "../../policy/environment";
import {
  berthPolicies,
  containerReplacementOrder,
  imagePinProblem,
  imagesPinned,
  noPublishedDatabasePort,
  prodDataProtected,
  prodWebReplicas,
  sshNotOpenToWorld,
  TYPES as POLICY_TYPES,
  webProcessHealthChecked,
} from "../../policy/policies";
import { ProgramRun, RegisteredResource, runProgram } from "../harness/program";
import { stackFileConfig, TYPES } from "../harness/stacks";

// ---------------------------------------------------------------------------------------------
// Running a policy the way @pulumi/policy's analyzer does (node_modules/@pulumi/policy/server.js):
// props behind its unknown-checking proxy, options as PolicyResourceOptions, violations reported
// through a callback, and notApplicable() thrown.
// ---------------------------------------------------------------------------------------------

/** What the harness records of a resource, and all a policy sees of one. */
type Resource = Pick<RegisteredResource, "type" | "name" | "urn" | "inputs" | "protect" | "deleteBeforeReplace"> & { parent?: string };

interface Outcome {
  violations: { message: string; urn?: string }[];
  /** The reason, when the policy declared itself not applicable. */
  notApplicable?: string;
}

class NotApplicable extends Error {}

/** @pulumi/policy's marker for a string not known during a preview (node_modules/@pulumi/policy/proxy.js). */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function policyResource(r: Resource): Omit<PolicyResource, "dependencies" | "propertyDependencies" | "isType" | "asType"> {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: unknownCheckingProxy(r.inputs),
    opts: {
      protect: r.protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      // As server.js builds it: only when the program set it.
      ...(r.deleteBeforeReplace === undefined ? {} : { deleteBeforeReplace: r.deleteBeforeReplace }),
      ...(r.parent ? { parent: r.parent } : {}),
    },
  };
}

function common(config: object) {
  return {
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason ?? "");
    },
  };
}

async function collect(run: (report: ReportViolation) => Promise<void> | void): Promise<Outcome> {
  const outcome: Outcome = { violations: [] };
  try {
    await run((message, urn) => outcome.violations.push({ message, urn }));
  } catch (err) {
    if (!(err instanceof NotApplicable)) throw err;
    outcome.notApplicable = err.message;
  }
  return outcome;
}

function checkResource(policy: ResourceValidationPolicy, r: Resource, config: object = {}): Promise<Outcome> {
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
  const args: ResourceValidationArgs = {
    ...policyResource(r),
    ...common(config),
    isType: () => false,
    asType: () => undefined,
  };
  return collect(async (report) => {
    for (const validate of validations) await validate(args, report);
  });
}

function checkStack(policy: StackValidationPolicy, resources: Resource[], config: object = {}): Promise<Outcome> {
  const args: StackValidationArgs = {
    resources: resources.map((r) => ({ ...policyResource(r), dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined })),
    ...common(config),
  };
  return collect((report) => policy.validateStack(args, report));
}

/** Every policy's messages over a whole stack, by policy name; policies with none are left out. */
async function violations(policies: Policies, resources: Resource[], config: Record<string, object> = {}): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const policy of policies) {
    const messages: string[] = [];
    if ("validateStack" in policy) {
      messages.push(...(await checkStack(policy, resources, config[policy.name])).violations.map((v) => v.message));
    } else {
      for (const r of resources) messages.push(...(await checkResource(policy, r, config[policy.name])).violations.map((v) => v.message));
    }
    if (messages.length > 0) found[policy.name] = messages;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Resources to check
// ---------------------------------------------------------------------------------------------

function resource(type: string, name: string, inputs: Record<string, any>, options: Partial<Resource> = {}): Resource {
  return {
    type,
    name,
    urn: `urn:pulumi:prod::berth::${type}::${name}`,
    inputs,
    protect: false,
    deleteBeforeReplace: undefined,
    ...options,
  };
}

const labels = (entries: Record<string, string>) => Object.entries(entries).map(([label, value]) => ({ label, value }));
const HEALTH = { tests: ["CMD-SHELL", "curl -f http://127.0.0.1:3000/health"], interval: "10s", timeout: "5s", retries: 3, startPeriod: "0s" };
const NO_HEALTH = { tests: ["NONE"], interval: "30s", timeout: "30s", retries: 1, startPeriod: "1s" };

/** A replica of an app's process; `web` carries no berth.process label, as components/app does it. */
function replica(app: string, process: string, i: number, extra: Record<string, any> = {}, options: Partial<Resource> = {}): Resource {
  const routed = process === "web" || extra.routed === true;
  const { routed: _, ...inputs } = extra;
  return resource(
    TYPES.container,
    `berth-prod-${process === "web" ? app : `${app}-${process}`}-${i}`,
    {
      labels: labels({ "berth.role": "app", "berth.app": app, ...(process === "web" ? {} : { "berth.process": process }) }),
      networksAdvanced: [routed ? { name: "berth-prod-edge", aliases: [`app-${app}`] } : { name: "berth-prod-edge" }],
      healthcheck: routed ? HEALTH : NO_HEALTH,
      wait: routed,
      ...inputs,
    },
    { deleteBeforeReplace: false, ...options },
  );
}

function database(extra: Record<string, any> = {}): Resource {
  return resource(
    TYPES.container,
    "main-server",
    { labels: labels({ "berth.role": "database", "berth.database": "main" }), healthcheck: HEALTH, wait: true, ...extra },
    { deleteBeforeReplace: true },
  );
}

const firewall = (inboundRules: object[]) => resource(TYPES.firewall, "berth-prod-firewall", { inboundRules });
const remoteImage = (name: string) => resource(TYPES.remoteImage, `image-${name}`, { name });
const messages = (outcome: Outcome) => outcome.violations.map((v) => v.message);

const inProd = { stack: () => "prod" };
const inDev = { stack: () => "dev" };

// ---------------------------------------------------------------------------------------------

describe("Policy pack", () => {
  describe("how it knows production", () => {
    it("reads the stack name the engine passes to the pack in PULUMI_NODEJS_STACK, else PULUMI_STACK", () => {
      assert.equal(stackFromEnvironment({ PULUMI_NODEJS_STACK: "prod", PULUMI_STACK: "other" }), "prod");
      assert.equal(stackFromEnvironment({ PULUMI_STACK: "dev" }), "dev");
    });

    it("has no stack name when the engine passed none", () => {
      assert.equal(stackFromEnvironment({}), undefined);
    });

    it("treats the configured stack names as production, and prod by default", () => {
      assert.deepEqual(DEFAULT_PROD_STACKS, ["prod"]);
      assert.equal(isProductionStack("prod"), true);
      assert.equal(isProductionStack("dev"), false);
      assert.equal(isProductionStack("prod-eu", ["prod", "prod-eu"]), true);
    });

    it("matches a fully qualified stack name by its last part", () => {
      assert.equal(isProductionStack("acme/berth/prod"), true);
      assert.equal(isProductionStack("acme/berth/dev"), false);
    });

    it("checks a stack whose name is unknown as production", () => {
      assert.equal(isProductionStack(undefined), true);
    });
  });

  describe("no-published-database-port", () => {
    it("passes a database container that publishes no port", async () => {
      assert.deepEqual(messages(await checkResource(noPublishedDatabasePort, database())), []);
    });

    it("reports a database container that publishes a port", async () => {
      const found = messages(await checkResource(noPublishedDatabasePort, database({ ports: [{ internal: 5432, external: 5432 }] })));
      assert.equal(found.length, 1);
      assert.match(found[0], /main-server publishes ports 5432->5432/);
    });

    it("reports a database container that publishes all its ports or uses the host's network", async () => {
      assert.equal((await checkResource(noPublishedDatabasePort, database({ publishAllPorts: true }))).violations.length, 1);
      assert.equal((await checkResource(noPublishedDatabasePort, database({ networkMode: "host" }))).violations.length, 1);
    });

    it("leaves the proxy's published ports alone", async () => {
      const proxy = resource(TYPES.container, "proxy", { labels: labels({ "berth.role": "proxy" }), ports: [{ internal: 443, external: 443 }] });
      assert.deepEqual(messages(await checkResource(noPublishedDatabasePort, proxy)), []);
    });
  });

  describe("web-process-health-checked", () => {
    it("passes a web replica with a health check, created with wait", async () => {
      assert.deepEqual(messages(await checkResource(webProcessHealthChecked, replica("shop", "web", 0))), []);
    });

    it("reports a web replica without a health check", async () => {
      const found = messages(await checkResource(webProcessHealthChecked, replica("shop", "web", 0, { healthcheck: NO_HEALTH, wait: true })));
      assert.equal(found.length, 1);
      assert.match(found[0], /shop\/web has no health check/);
    });

    it("reports a web replica created without wait", async () => {
      const found = messages(await checkResource(webProcessHealthChecked, replica("shop", "web", 0, { wait: false })));
      assert.equal(found.length, 1);
      assert.match(found[0], /without wait: true/);
    });

    it("checks a routed process other than web, found by its network alias", async () => {
      const api = replica("shop", "api", 0, { routed: true, healthcheck: undefined });
      assert.match(messages(await checkResource(webProcessHealthChecked, api))[0], /shop\/api has no health check/);
    });

    it("leaves a worker without a health check alone", async () => {
      assert.deepEqual(messages(await checkResource(webProcessHealthChecked, replica("shop", "worker", 0))), []);
    });
  });

  describe("prod-data-protected", () => {
    const volume = (protect: boolean) => resource(TYPES.volume, "berth-prod-data", { size: 100 }, { protect });
    const ip = (protect: boolean) => resource(TYPES.reservedIp, "berth-prod-ip", { region: "fra1" }, { protect });

    it("passes a protected volume and reserved IP in prod", async () => {
      assert.deepEqual(messages(await checkResource(prodDataProtected(inProd), volume(true))), []);
      assert.deepEqual(messages(await checkResource(prodDataProtected(inProd), ip(true))), []);
    });

    it("reports an unprotected volume in prod", async () => {
      const found = messages(await checkResource(prodDataProtected(inProd), volume(false)));
      assert.deepEqual(found, ['Volume berth-prod-data is not protected in production stack "prod": create it with { protect: true }.']);
    });

    it("reports an unprotected reserved IP in prod", async () => {
      assert.match(messages(await checkResource(prodDataProtected(inProd), ip(false)))[0], /Reserved IP berth-prod-ip is not protected/);
    });

    it("is not applicable outside production", async () => {
      const outcome = await checkResource(prodDataProtected(inDev), volume(false));
      assert.deepEqual(outcome.violations, []);
      assert.match(outcome.notApplicable ?? "", /"dev" is not a production stack/);
    });

    it("checks the stacks its prodStacks config names", async () => {
      const outcome = await checkResource(prodDataProtected({ stack: () => "live" }), volume(false), { prodStacks: ["live"] });
      assert.equal(outcome.violations.length, 1);
    });

    it("checks a stack whose name the engine did not pass, as production", async () => {
      const found = messages(await checkResource(prodDataProtected({ stack: () => undefined }), volume(false)));
      assert.match(found[0], /did not pass \(checked as production\)/);
    });
  });

  describe("prod-web-replicas", () => {
    it("passes a web process with 2 replicas in prod", async () => {
      const outcome = await checkStack(prodWebReplicas(inProd), [replica("shop", "web", 0), replica("shop", "web", 1)]);
      assert.deepEqual(messages(outcome), []);
    });

    it("reports a web process with 1 replica in prod, at that replica", async () => {
      const only = replica("shop", "web", 0);
      const outcome = await checkStack(prodWebReplicas(inProd), [only]);
      assert.deepEqual(outcome.violations, [
        { message: 'Web process shop/web has 1 replica in production stack "prod"; it needs at least 2: raise its replicas.', urn: only.urn },
      ]);
    });

    it("counts each routed process of each app on its own", async () => {
      const resources = [
        replica("shop", "web", 0),
        replica("shop", "web", 1),
        replica("shop", "api", 0, { routed: true }),
        replica("docs", "web", 0),
        replica("docs", "web", 1),
      ];
      assert.deepEqual(
        messages(await checkStack(prodWebReplicas(inProd), resources)).map((m) => m.split(" has")[0]),
        ["Web process shop/api"],
      );
    });

    it("leaves a single worker alone", async () => {
      const resources = [replica("shop", "web", 0), replica("shop", "web", 1), replica("shop", "worker", 0)];
      assert.deepEqual(messages(await checkStack(prodWebReplicas(inProd), resources)), []);
    });

    it("counts both halves of a replacement as one replica", async () => {
      const one = replica("shop", "web", 0);
      assert.equal((await checkStack(prodWebReplicas(inProd), [one, { ...one }])).violations.length, 1);
    });

    it("is not applicable outside production", async () => {
      const outcome = await checkStack(prodWebReplicas(inDev), [replica("shop", "web", 0)]);
      assert.deepEqual(outcome.violations, []);
      assert.ok(outcome.notApplicable);
    });

    it("requires the minReplicas its config gives", async () => {
      const resources = [replica("shop", "web", 0), replica("shop", "web", 1)];
      assert.equal((await checkStack(prodWebReplicas(inProd), resources, { minReplicas: 3 })).violations.length, 1);
    });
  });

  describe("ssh-not-open-to-world", () => {
    const ssh = (sourceAddresses: string[], portRange = "22") => ({ protocol: "tcp", portRange, sourceAddresses });

    it("passes SSH open only to listed CIDR blocks", async () => {
      assert.deepEqual(messages(await checkResource(sshNotOpenToWorld, firewall([ssh(["203.0.113.0/24"])]))), []);
    });

    it("reports SSH open to 0.0.0.0/0", async () => {
      const found = messages(await checkResource(sshNotOpenToWorld, firewall([ssh(["203.0.113.0/24", "0.0.0.0/0"])])));
      assert.deepEqual(found, ["Firewall berth-prod-firewall opens SSH (tcp 22) to 0.0.0.0/0: list your own CIDR blocks in berth:sshAllowFrom."]);
    });

    it("reports SSH open to ::/0", async () => {
      assert.equal((await checkResource(sshNotOpenToWorld, firewall([ssh(["::/0"])]))).violations.length, 1);
    });

    it("reports a world-open port range that includes 22", async () => {
      assert.equal((await checkResource(sshNotOpenToWorld, firewall([ssh(["0.0.0.0/0"], "1-65535")]))).violations.length, 1);
      assert.equal((await checkResource(sshNotOpenToWorld, firewall([ssh(["0.0.0.0/0"], "all")]))).violations.length, 1);
    });

    it("leaves world-open web ports, UDP and ICMP alone", async () => {
      const rules = [
        { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
        { protocol: "udp", portRange: "1-65535", sourceAddresses: ["0.0.0.0/0"] },
        { protocol: "icmp", sourceAddresses: ["0.0.0.0/0", "::/0"] },
      ];
      assert.deepEqual(messages(await checkResource(sshNotOpenToWorld, firewall(rules))), []);
    });

    it("still checks SSH when another rule's sources are unknown in a preview", async () => {
      const rules = [{ protocol: "tcp", portRange: "443", sourceAddresses: UNKNOWN_STRING }, ssh(["0.0.0.0/0"])];
      assert.equal((await checkResource(sshNotOpenToWorld, firewall(rules))).violations.length, 1);
    });
  });

  describe("images-pinned", () => {
    it("accepts a version tag or a digest", () => {
      for (const ref of ["postgres:17", "ghcr.io/acme/web:1.4.2", "registry:5000/acme/app:2024-11-01", "acme/web@sha256:" + "a".repeat(64), "web:latest@sha256:" + "b".repeat(64)]) {
        assert.equal(imagePinProblem(ref), undefined, ref);
      }
    });

    it("rejects no tag, latest, and a registry port without a tag", () => {
      assert.equal(imagePinProblem("nginx"), "has no tag, which means latest");
      assert.equal(imagePinProblem("ghcr.io/acme/web:latest"), "is tagged latest");
      assert.equal(imagePinProblem("registry.example.com:5000/app"), "has no tag, which means latest");
      assert.equal(imagePinProblem("web@sha256:123"), 'has a malformed digest "sha256:123"');
    });

    it("passes a pinned remote image", async () => {
      assert.deepEqual(messages(await checkResource(imagesPinned, remoteImage("ghcr.io/acme/web:1.0.0"))), []);
    });

    it("reports a remote image tagged latest", async () => {
      const found = messages(await checkResource(imagesPinned, remoteImage("ghcr.io/acme/web:latest")));
      assert.equal(found.length, 1);
      assert.match(found[0], /^Image ghcr.io\/acme\/web:latest \(image-ghcr.io\/acme\/web:latest\) is tagged latest/);
    });

    it("passes an image built with an explicit tag, and reports one built as latest", async () => {
      const built = (imageName: string) => resource(POLICY_TYPES.builtImage, "berth-prod-build-web", { imageName });
      assert.deepEqual(messages(await checkResource(imagesPinned, built("berth-prod-web:424242"))), []);
      assert.match(messages(await checkResource(imagesPinned, built("berth-prod-web")))[0], /^Built image berth-prod-web .* has no tag/);
    });

    it("does not judge a built image whose name is unknown in a preview", async () => {
      const built = resource(POLICY_TYPES.builtImage, "berth-prod-build-web", { imageName: UNKNOWN_STRING });
      assert.deepEqual(messages(await checkResource(imagesPinned, built)), []);
    });

    it("reports a container given an unpinned reference instead of an image id", async () => {
      assert.equal((await checkResource(imagesPinned, replica("shop", "web", 0, { image: "nginx" }))).violations.length, 1);
      assert.equal((await checkResource(imagesPinned, replica("shop", "web", 0, { image: "sha256:" + "c".repeat(64) }))).violations.length, 0);
    });

    it("does not judge a container whose image id is unknown in a preview", async () => {
      assert.deepEqual(messages(await checkResource(imagesPinned, replica("shop", "web", 0, { image: UNKNOWN_STRING }))), []);
    });
  });

  describe("container-replacement-order", () => {
    it("passes a container that states deleteBeforeReplace, true or false", async () => {
      assert.deepEqual(messages(await checkResource(containerReplacementOrder, replica("shop", "web", 0))), []);
      assert.deepEqual(messages(await checkResource(containerReplacementOrder, database())), []);
    });

    it("reports a container that leaves its replacement order to the provider", async () => {
      const found = messages(await checkResource(containerReplacementOrder, replica("shop", "web", 0, {}, { deleteBeforeReplace: undefined })));
      assert.equal(found.length, 1);
      assert.match(found[0], /berth-prod-shop-0 does not state deleteBeforeReplace/);
    });
  });

  it("checks a container whose berth.host label is unknown in a preview", async () => {
    const inputs = { labels: [...labels({ "berth.role": "database" }), { label: "berth.host", value: UNKNOWN_STRING }], ports: [{ internal: 5432 }] };
    const container = resource(TYPES.container, "main-server", inputs, { deleteBeforeReplace: true });
    assert.equal((await checkResource(noPublishedDatabasePort, container)).violations.length, 1);
  });

  // ---------------------------------------------------------------------------------------------
  // berth's own resources, as the program registers them (test/harness/program.ts).
  // ---------------------------------------------------------------------------------------------

  describe("on berth's stacks", () => {
    const prodPolicies = berthPolicies(inProd);
    let prod: ProgramRun;
    before(async () => {
      prod = await runProgram({ stack: "prod", config: stackFileConfig("prod") });
    });

    const prodWith = (change: (config: Record<string, any>) => void) => {
      const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
      change(config);
      return runProgram({ stack: "prod", config });
    };
    /** The prod resources with one record changed. */
    const mutated = (type: string, name: string, change: (r: RegisteredResource) => RegisteredResource) =>
      prod.resources.map((r) => (r.type === type && r.name === name ? change(structuredClone(r)) : r));

    it("passes every policy on the committed prod stack", async () => {
      assert.ok(prod.ofType(TYPES.container).length > 0);
      assert.deepEqual(await violations(prodPolicies, prod.resources), {});
    });

    it("passes every policy on the committed dev stack, which runs 1 web replica", async () => {
      const dev = await runProgram({ stack: "dev", config: stackFileConfig("dev") });
      assert.deepEqual(await violations(berthPolicies(inDev), dev.resources), {});
    });

    it("passes every policy on the committed local stack", async () => {
      const local = await runProgram({ stack: "local", config: stackFileConfig("local") });
      assert.deepEqual(await violations(berthPolicies({ stack: () => "local" }), local.resources), {});
    });

    it("reports prod with 1 web replica under prod-web-replicas only", async () => {
      const run = await prodWith((c) => (c.apps.web.replicas = 1));
      const found = await violations(prodPolicies, run.resources);
      assert.deepEqual(Object.keys(found), ["prod-web-replicas"]);
      assert.match(found["prod-web-replicas"][0], /^Web process web\/web has 1 replica/);
    });

    it("reports prod with SSH allowed from 0.0.0.0/0 under ssh-not-open-to-world only", async () => {
      const run = await prodWith((c) => (c.sshAllowFrom = ["0.0.0.0/0"]));
      assert.deepEqual(Object.keys(await violations(prodPolicies, run.resources)), ["ssh-not-open-to-world"]);
    });

    it("reports prod with an image tagged latest under images-pinned only", async () => {
      const run = await prodWith((c) => (c.apps.docs.image = "ghcr.io/acme/docs-site:latest"));
      const found = await violations(prodPolicies, run.resources);
      assert.deepEqual(Object.keys(found), ["images-pinned"]);
      assert.match(found["images-pinned"][0], /ghcr.io\/acme\/docs-site:latest .* is tagged latest/);
    });

    it("reports prod with an untagged image from a registry on a port under images-pinned only", async () => {
      const run = await prodWith((c) => (c.apps.docs.image = "registry.example.com:5000/docs"));
      assert.deepEqual(Object.keys(await violations(prodPolicies, run.resources)), ["images-pinned"]);
    });

    it("reports an unprotected prod volume under prod-data-protected only", async () => {
      const resources = mutated(TYPES.volume, "berth-prod-data", (r) => ({ ...r, protect: false }));
      assert.deepEqual(Object.keys(await violations(prodPolicies, resources)), ["prod-data-protected"]);
    });

    it("reports a database container with a published port under no-published-database-port only", async () => {
      const resources = mutated(TYPES.container, "main-server", (r) => ({ ...r, inputs: { ...r.inputs, ports: [{ internal: 5432, external: 5432 }] } }));
      assert.deepEqual(Object.keys(await violations(prodPolicies, resources)), ["no-published-database-port"]);
    });

    it("reports a web replica without its health check under web-process-health-checked only", async () => {
      const resources = mutated(TYPES.container, "berth-prod-web-0", (r) => ({ ...r, inputs: { ...r.inputs, healthcheck: NO_HEALTH, wait: false } }));
      assert.deepEqual(Object.keys(await violations(prodPolicies, resources)), ["web-process-health-checked"]);
    });

    it("reports a replica that does not state its replacement order under container-replacement-order only", async () => {
      const resources = mutated(TYPES.container, "berth-prod-docs-1", (r) => ({ ...r, deleteBeforeReplace: undefined }));
      assert.deepEqual(Object.keys(await violations(prodPolicies, resources)), ["container-replacement-order"]);
    });
  });
});
