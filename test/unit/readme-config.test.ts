import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  appSchema,
  basicAuthSchema,
  buildSchema,
  databaseSchema,
  healthSchema,
  jobSchema,
  processSchema,
  stackSchema,
} from "../../components/config/schema";

const README = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");

/** The keys named in the first column of the table under a README heading. */
function documentedKeys(heading: string): string[] {
  const start = README.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has no section ${heading}`);
  const rest = README.slice(start + heading.length + 2);
  const end = rest.search(/\n#{2,4} /);
  const rows = (end < 0 ? rest : rest.slice(0, end)).split("\n").filter((l) => l.startsWith("| `"));
  return rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
}

function assertDocumented(heading: string, keys: string[]): void {
  const documented = documentedKeys(heading);
  const missing = keys.filter((k) => !documented.includes(k));
  assert.deepEqual(missing, [], `README ${heading} does not document ${missing.join(", ")}`);
}

const nested = (prefix: string, shape: object) => Object.keys(shape).map((k) => `${prefix}.${k}`);

/** The config reference is written by hand; these keep it in step with the schema. */
describe("README config reference", () => {
  it("documents every stack setting", () => {
    assertDocumented("### Stack settings", Object.keys(stackSchema.shape));
  });

  it("documents every app setting", () => {
    assertDocumented("### `berth:apps.<name>`", Object.keys(appSchema.shape));
  });

  it("documents every build setting", () => {
    assertDocumented("#### `berth:apps.<name>.build`", Object.keys(buildSchema.shape));
  });

  it("documents every process setting, with its health and basic-auth fields", () => {
    const keys = Object.keys(processSchema.shape).filter((k) => k !== "health" && k !== "basicAuth");
    assertDocumented("#### `berth:apps.<name>.processes.<process>`", [
      ...keys,
      ...nested("health", healthSchema.shape),
      ...nested("basicAuth", basicAuthSchema.shape),
    ]);
  });

  it("documents every job setting", () => {
    assertDocumented("#### `berth:apps.<name>.jobs.<job>`", Object.keys(jobSchema.shape));
  });

  it("documents every database setting", () => {
    assertDocumented("### `berth:databases.<name>`", Object.keys(databaseSchema.shape));
  });
});
