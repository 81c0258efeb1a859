#!/usr/bin/env node
// `npx berth <command>`: the operations CLI (cli/main.ts), run from its TypeScript sources.
"use strict";
const path = require("path");

require("ts-node").register({
  project: path.join(__dirname, "..", "tsconfig.json"),
  transpileOnly: true,
  // The sources are compiled on the fly wherever the CLI is started from.
  cwd: path.join(__dirname, ".."),
});
// The AWS SDK (off-site backups) warns on every run that its future releases will need a newer
// Node.js: advice for whoever upgrades the lockfile, not for the operator running a command.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}
require("../cli/main").runCli();
