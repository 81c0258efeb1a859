import { backup } from "./backup";
import { backups } from "./backups";
import type { Command } from "./command";
import { exec } from "./exec";
import { logs } from "./logs";
import { ps } from "./ps";
import { restore } from "./restore";
import { run } from "./run";

/** Every `berth` command, in the order `berth --help` lists them. */
export const COMMANDS: Command[] = [ps, logs, run, exec, backup, backups, restore];
