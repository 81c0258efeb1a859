import * as fs from "fs";
import * as path from "path";
import { tempDir } from "./tools";

/**
 * A stand-in `pulumi` executable, for a directory put first on PATH: like the real CLI,
 * `pulumi stack output --json -s <stack>` prints `outputs` (as JSON), and any other stack fails
 * with exit 255 and `error: no stack named '<x>' found`. Each call's arguments are appended to
 * `<dir>/calls`. Returns the directory.
 */
export function fakePulumi(stack: string, outputs: unknown): string {
  const dir = tempDir("fake-pulumi");
  fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(outputs, null, 4));
  fs.writeFileSync(
    path.join(dir, "pulumi"),
    [
      "#!/bin/sh",
      `echo "$@" >> '${dir}/calls'`,
      `if [ "$1 $2 $3 $4" = "stack output --json -s" ] && [ "$5" = '${stack}' ]; then`,
      `  cat '${dir}/outputs.json'`,
      "  exit 0",
      "fi",
      `echo "error: no stack named '$5' found" >&2`,
      "exit 255",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return dir;
}
