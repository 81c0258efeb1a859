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
require("../cli/main").runCli();
