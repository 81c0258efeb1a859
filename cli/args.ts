import { parseArgs } from "util";
import { CliError, USAGE_EXIT } from "./errors";

/**
 * The command line: `berth [-s <stack>] <command> [arguments] [options] [-- <command line>]`.
 * Every command takes `-s/--stack` and `-h/--help`; help is generated from the specs, so every
 * command has one and it always lists what the parser accepts.
 */

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** Placeholder of a string option's value in help, e.g. `N`. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** One line: what the command does. */
  summary: string;
  /** Positional arguments, in order: required ones, then optional ones. */
  args: { name: string; description: string; optional?: boolean }[];
  options: Record<string, OptionSpec>;
  /** The command takes a command line after `--` (run, exec). */
  passthrough?: { name: string; description: string };
  /** More help, printed after the options. */
  details?: string[];
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  stack: { type: "string", short: "s", value: "stack", description: "the Pulumi stack (default: $PULUMI_STACK)" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

export interface Invocation {
  command: CommandSpec;
  /** The stack as given (`prod`, or `acme/berth/prod`). */
  stack: string;
  /** Positional arguments by name (an optional one not given is absent). */
  args: Record<string, string>;
  options: Record<string, string | boolean | undefined>;
  /** The command line after `--`. */
  passthrough: string[];
}

export type Parsed = { kind: "help"; text: string } | { kind: "invoke"; invocation: Invocation };

/** Parses argv (without `node` and the script). Throws CliError (exit 2) for anything it cannot take. */
export function parseCommandLine(argv: string[], commands: CommandSpec[], env: NodeJS.ProcessEnv = process.env): Parsed {
  const dashes = argv.indexOf("--");
  const before = dashes === -1 ? argv : argv.slice(0, dashes);
  const passthrough = dashes === -1 ? [] : argv.slice(dashes + 1);

  // Global options may come before the command: `berth -s prod ps`.
  const leading: string[] = [];
  let i = 0;
  while (i < before.length && before[i].startsWith("-")) {
    const takesValue = before[i] === "-s" || before[i] === "--stack";
    leading.push(...before.slice(i, takesValue ? i + 2 : i + 1));
    i += takesValue ? 2 : 1;
  }
  const name = before[i];
  if (name === undefined || name === "help") {
    const topic = name === "help" ? before[i + 1] : undefined;
    if (topic === undefined) {
      if (name === undefined && !leading.some((a) => a === "-h" || a === "--help")) {
        throw new CliError(`no command given\n\n${mainHelp(commands)}`, USAGE_EXIT);
      }
      return { kind: "help", text: mainHelp(commands) };
    }
    return { kind: "help", text: commandHelp(findCommand(topic, commands)) };
  }
  const command = findCommand(name, commands);
  const rest = [...leading, ...before.slice(i + 1)];

  const specs = { ...command.options, ...GLOBAL_OPTIONS };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: Object.fromEntries(Object.entries(specs).map(([key, o]) => [key, { type: o.type, short: o.short }])),
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (err) {
    throw usage(command, (err as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, ""));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help", text: commandHelp(command) };

  const missing = command.args.slice(positionals.length).filter((a) => !a.optional);
  if (missing.length > 0) throw usage(command, `missing <${missing[0].name}>`);
  if (positionals.length > command.args.length) {
    const extra = positionals[command.args.length];
    throw usage(
      command,
      command.passthrough ? `unexpected argument '${extra}': put the command after --, e.g. berth ${command.name} ${command.args.map((a) => `<${a.name}>`).join(" ")} -- ${extra}` : `unexpected argument '${extra}'`,
    );
  }
  if (command.passthrough && passthrough.length === 0) throw usage(command, `missing the command to run after --`);
  if (!command.passthrough && dashes !== -1) throw usage(command, `takes no command after --`);

  const stack = (values.stack as string | undefined) ?? env.PULUMI_STACK;
  if (!stack) throw usage(command, "which stack? Pass -s <stack>, or set PULUMI_STACK");

  const { stack: _stack, help: _help, ...options } = values;
  return {
    kind: "invoke",
    invocation: {
      command,
      stack,
      args: Object.fromEntries(command.args.flatMap((a, n) => (positionals[n] === undefined ? [] : [[a.name, positionals[n]]]))),
      options,
      passthrough,
    },
  };
}

function findCommand(name: string, commands: CommandSpec[]): CommandSpec {
  const found = commands.find((c) => c.name === name);
  if (!found) throw new CliError(`unknown command '${name}' (commands: ${commands.map((c) => c.name).join(", ")}; berth --help)`, USAGE_EXIT);
  return found;
}

function usage(command: CommandSpec, problem: string): CliError {
  return new CliError(`${command.name}: ${problem}\nUsage: ${synopsis(command)}\n(berth ${command.name} --help for more)`, USAGE_EXIT);
}

export function synopsis(command: CommandSpec): string {
  return [
    "berth",
    command.name,
    ...command.args.map((a) => (a.optional ? `[<${a.name}>]` : `<${a.name}>`)),
    "[options]",
    ...(command.passthrough ? ["--", `<${command.passthrough.name}>...`] : []),
  ].join(" ");
}

export function commandHelp(command: CommandSpec): string {
  const optionRows = Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).map(([key, o]): [string, string] => [
    `${o.short ? `-${o.short}, ` : "    "}--${key}${o.type === "string" ? ` <${o.value ?? key}>` : ""}`,
    o.description,
  ]);
  const argRows = [
    ...command.args.map((a): [string, string] => [`<${a.name}>`, a.description]),
    ...(command.passthrough ? [[`<${command.passthrough.name}>...`, command.passthrough.description] as [string, string]] : []),
  ];
  return [
    `berth ${command.name}: ${command.summary}`,
    "",
    `Usage: ${synopsis(command)}`,
    ...(argRows.length > 0 ? ["", "Arguments:", ...table(argRows)] : []),
    "",
    "Options:",
    ...table(optionRows),
    ...(command.details ? ["", ...command.details] : []),
    "",
  ].join("\n");
}

export function mainHelp(commands: CommandSpec[]): string {
  return [
    "berth: operate the apps and databases of a berth stack",
    "",
    "Usage: berth <command> [arguments] [options]",
    "",
    "Commands:",
    ...table(commands.map((c) => [c.name, c.summary])),
    "",
    "Every command takes -s/--stack <stack> (default: $PULUMI_STACK) and -h/--help.",
    "It reads the stack's outputs with `pulumi stack output --json -s <stack>` (no secrets), and",
    "reaches the stack's Docker engine: the local one, or the droplet over SSH with the stack's",
    "pinned host key and your ssh-agent's key.",
    "",
  ].join("\n");
}

function table(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/** A non-negative integer option, or undefined when not given. */
export function integerOption(command: string, name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new CliError(`${command}: --${name} must be a whole number (got '${value}')`, USAGE_EXIT);
  }
  return Number(value);
}
