/** Quotes a value for POSIX sh: the result is one word whatever the value holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** Joins script lines, with a shebang and strict mode, so every rendered script reads the same. */
export function script(purpose: string, lines: string[]): string {
  return ["#!/bin/sh", `# ${purpose}`, "set -eu", ...lines, ""].join("\n");
}
