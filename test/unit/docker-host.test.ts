import { strict as assert } from "assert";
import { sshOptions } from "../../components/docker-host/ssh";
import { FAKE } from "../harness/fakes";
import { isSecretValue, runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";

describe("DockerHost", () => {
  it("reaches a droplet's Docker over SSH at the reserved IP, checking the stack's pinned host key", async () => {
    const run = await runProgram({ stack: "dev", config: doConfig() });
    const provider = run.get(TYPES.dockerProvider, "host-docker").inputs;
    assert.equal(provider.host, `ssh://root@${FAKE.reservedIp}`);
    const opts: string[] = JSON.parse(provider.sshOpts);
    assert.ok(opts.includes("StrictHostKeyChecking=yes"));
    assert.ok(opts.includes("UserKnownHostsFile=/dev/null"), "a stale known_hosts entry for the IP must not matter");
    assert.ok(opts.includes(`KnownHostsCommand=/bin/echo %H ${FAKE.hostPublicKey.split(" ").slice(0, 2).join(" ")}`));
  });

  it("turns off the provider's connect-time daemon check (pull-request previews have no SSH access)", async () => {
    const run = await runProgram({ stack: "dev", config: doConfig() });
    assert.equal(run.get(TYPES.dockerProvider, "host-docker").inputs.disableDockerDaemonCheck, "true");
  });

  it("gives Docker Hub credentials under every name the provider looks them up by, registry-1.docker.io for `acme/web:1`", async () => {
    const run = await runProgram({
      stack: "dev",
      config: doConfig({ registries: [{ address: "docker.io", username: "acme" }], secrets: { registries: { "docker.io": "dckr_pat_token" } } }),
      secretKeys: ["secrets"],
    });
    const auth = JSON.parse(run.get(TYPES.dockerProvider, "host-docker").inputs.registryAuth);
    assert.deepEqual(auth.map((a: any) => a.address).sort(), ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);
    assert.ok(auth.every((a: any) => a.username === "acme" && a.password === "dckr_pat_token"));
  });

  it("pulls private images with registry credentials kept secret", async () => {
    const run = await runProgram({
      stack: "dev",
      config: doConfig({ registries: [{ address: "ghcr.io", username: "acme-bot" }], secrets: { registries: { "ghcr.io": "ghp_registry_token" } } }),
      secretKeys: ["secrets"],
    });
    const provider = run.get(TYPES.dockerProvider, "host-docker");
    assert.deepEqual(JSON.parse(provider.inputs.registryAuth), [{ address: "ghcr.io", username: "acme-bot", password: "ghp_registry_token" }]);
    assert.ok(isSecretValue(provider.wireInputs.registryAuth), "the registry password is a secret in the provider config");
  });

  it("uses the local engine for the local target", async () => {
    const run = await runProgram({ stack: "local", config: localConfig() });
    assert.equal(run.get(TYPES.dockerProvider, "host-docker").inputs.host, undefined);
  });

  it("separates the proxy's edge network from the internal data network", async () => {
    const run = await runProgram({ stack: "dev", config: doConfig() });
    const edge = run.get(TYPES.network, "host-edge").inputs;
    const data = run.get(TYPES.network, "host-data").inputs;
    assert.equal(edge.name, "berth-dev-edge");
    assert.equal(edge.internal, undefined);
    assert.equal(data.name, "berth-dev-data");
    assert.equal(data.internal, true, "databases must have no route out");

    const networksOf = (role: string) =>
      run
        .ofType(TYPES.container)
        .filter((c) => c.inputs.labels.some((l: any) => l.label === "berth.role" && l.value === role))
        .map((c) => c.inputs.networksAdvanced.map((n: any) => n.name).sort());
    assert.deepEqual(networksOf("proxy"), [["berth-dev-edge"]]);
    assert.deepEqual(networksOf("database"), [["berth-dev-data"], ["berth-dev-data"]]);
    assert.deepEqual(networksOf("app"), [["berth-dev-data", "berth-dev-edge"], ["berth-dev-data", "berth-dev-edge"]]);
  });

  it("trims a key comment so the known-hosts line stays well formed", () => {
    const opts = sshOptions("ssh-ed25519 AAAAkey root@host\n");
    assert.ok(opts.includes("KnownHostsCommand=/bin/echo %H ssh-ed25519 AAAAkey"));
  });
});

describe("DockerHost on a replaced droplet", () => {
  it("marks every Docker object, image and host command for re-creation on a new droplet", async () => {
    const before = await runProgram({ stack: "dev", config: doConfig() });
    const after = await runProgram({ stack: "dev", config: doConfig(), fakes: { dropletId: "777777" } });
    const onHost = (r: { type: string }) => r.type.startsWith("docker:") || r.type === TYPES.remoteCommand;
    const triggerOf = (r: { inputs: any }) => JSON.stringify(r.inputs.triggers);
    const objects = before.resources.filter(onHost);
    assert.ok(objects.length >= 8);
    for (const old of objects) {
      const now = after.get(old.type, old.name);
      if (old.type === TYPES.remoteCommand || old.type === TYPES.remoteImage) {
        // A command's triggers re-run it; an image's triggers pull it again.
        assert.notEqual(triggerOf(now), triggerOf(old), `${old.name} must run again on the new droplet`);
      } else {
        // Labels force replacement of Docker objects.
        const hostLabel = (r: typeof old) => r.inputs.labels.find((l: any) => l.label === "berth.host")?.value;
        assert.equal(hostLabel(old), FAKE.dropletId, old.name);
        assert.equal(hostLabel(now), "777777", old.name);
      }
    }
  });

  it("does not label local objects with a host identity", async () => {
    const run = await runProgram({ stack: "local", config: localConfig() });
    for (const r of run.resources.filter((x) => x.type.startsWith("docker:") && x.type !== TYPES.remoteImage)) {
      assert.ok(!r.inputs.labels.some((l: any) => l.label === "berth.host"), r.name);
    }
    for (const image of run.ofType(TYPES.remoteImage)) {
      assert.equal(image.inputs.keepLocally, true, "the local engine's images are never deleted");
      assert.equal(image.inputs.triggers, undefined);
    }
  });
});
