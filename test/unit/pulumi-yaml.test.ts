import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseStackConfig } from "../../components/config/parse";
import { stackSchema } from "../../components/config/schema";
import { doConfig } from "../harness/stacks";

const project = parse(fs.readFileSync(path.resolve(__dirname, "../../Pulumi.yaml"), "utf8"));

describe("Pulumi.yaml", () => {
  it("declares only keys the schema knows, each with a type and a description", () => {
    const known = Object.keys(stackSchema.shape);
    for (const [key, decl] of Object.entries<any>(project.config)) {
      assert.ok(known.includes(key), `Pulumi.yaml declares ${key}, which the schema does not know`);
      assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), key);
      assert.ok(typeof decl.description === "string" && decl.description.length > 10, `${key} needs a description`);
    }
  });

  it("states the same defaults as the schema", () => {
    const resolved = parseStackConfig(doConfig({ sshKeys: undefined, sshAllowFrom: undefined, target: "local", zoneId: undefined })) as any;
    for (const [key, decl] of Object.entries<any>(project.config)) {
      if (key === "target") {
        assert.equal(decl.default, stackSchema.shape.target.parse(undefined));
        continue;
      }
      assert.deepEqual(decl.default, resolved[key], `default of ${key}`);
    }
  });

  it("declares every scalar setting that has a fixed default", () => {
    const declared = Object.keys(project.config);
    // Optional keys without a fixed default: Pulumi treats a declared key without a default as required.
    const undeclared = ["apps", "databases", "backups", "secrets", "registries", "zoneId", "tlsMode", "httpPort", "httpsPort", "tailnet", "tailscaleHostname", "tailscaleAuthKey", "dropletBackupPolicy", "acmeEmail"];
    for (const key of Object.keys(stackSchema.shape)) {
      if (!undeclared.includes(key)) assert.ok(declared.includes(key), `Pulumi.yaml should declare ${key}`);
    }
  });
});
