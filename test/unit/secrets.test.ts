import { strict as assert } from "assert";
import { fakePassword } from "../harness/fakes";
import { isSecretValue, plainOccurrences, ProgramRun, runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";

const API_KEY = "sk_live_berth_test_api_key_value";
const AUTH_PASSWORD = "correct-horse-battery-staple";
const REGISTRY_TOKEN = "ghp_berth_registry_token_value";

const withSecrets = (base: Record<string, unknown>) => ({
  ...base,
  apps: {
    web: { ...(base.apps as any).web, secretEnv: ["API_KEY"] },
    docs: { image: "ghcr.io/acme/docs:1", hosts: ["docs.example.com"], port: 8080, basicAuth: { users: ["team"] } },
  },
  registries: [{ address: "ghcr.io", username: "acme-bot" }],
  secrets: { env: { web: { API_KEY } }, basicAuth: { docs: { team: AUTH_PASSWORD } }, registries: { "ghcr.io": REGISTRY_TOKEN } },
});

/** Every value that must never appear in plain state or a plain output. */
function secretValues(run: ProgramRun): string[] {
  return [
    API_KEY,
    AUTH_PASSWORD,
    REGISTRY_TOKEN,
    "MOCKPRIVATEKEYMATERIAL", // certificate key
    "MOCKOPENSSHKEY", // droplet host key
    ...run.ofType(TYPES.randomPassword).map((r) => fakePassword(r.name)),
  ];
}

for (const [target, base] of [
  ["digitalocean", doConfig()],
  ["local", localConfig()],
] as const) {
  describe(`secrets (${target} target)`, () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram({ stack: target === "local" ? "local" : "dev", config: withSecrets(base), secretKeys: ["secrets"] });
    });

    it("never appear in plain text in any resource's inputs", () => {
      const leaks = run.resources.flatMap((r) =>
        secretValues(run).flatMap((secret) =>
          plainOccurrences(r.wireInputs, secret).map((where) => `${r.type} ${r.name} ${where} holds ${secret.slice(0, 6)}…`),
        ),
      );
      assert.deepEqual(leaks, []);
    });

    it("stay secret in every stack output derived from them", () => {
      for (const [name, output] of Object.entries(run.outputs)) {
        const holds = secretValues(run).some((s) => JSON.stringify(output.value).includes(s));
        if (holds) assert.equal(output.secret, true, `output ${name} holds a secret but is not one`);
      }
      assert.equal(run.outputs.databaseUrls.secret, true);
      assert.equal(run.outputs.replicaNames.secret, false, "plain outputs stay readable");
    });

    it("reach the app as secret env, the proxy only as hashes, the host only on stdin", () => {
      const replica = run.get(TYPES.container, `${target === "local" ? "berth-local" : "berth-dev"}-web-0`);
      assert.ok(isSecretValue(replica.wireInputs.envs), "replica env is secret as a whole");
      assert.ok(replica.inputs.envs.includes(`API_KEY=${API_KEY}`));
      const command = target === "local" ? TYPES.localCommand : TYPES.remoteCommand;
      const config = run.get(command, "proxy-config");
      assert.ok(isSecretValue(config.wireInputs.stdin), "a config holding password hashes is secret");
      assert.ok(isSecretValue(run.get(command, "proxy-certificate").wireInputs.stdin));
      for (const c of run.ofType(command)) {
        for (const script of [c.inputs.create, c.inputs.update, c.inputs.delete]) {
          for (const secret of secretValues(run)) assert.ok(!String(script).includes(secret), `${c.name} script holds a secret`);
        }
      }
    });
  });
}
