import type { Command } from "../config/schema";

/**
 * A configured command as Docker runs it: a string through the image's shell, as a Procfile line
 * runs (`/bin/sh -c`, so `&&`, pipes and `$VAR` work), a list as is (exec form, for images without
 * a shell); undefined keeps the image's own CMD. The image's ENTRYPOINT, if any, still runs first.
 */
export function containerCommand(command: Command | undefined): string[] | undefined {
  if (command === undefined) return undefined;
  return typeof command === "string" ? ["/bin/sh", "-c", command] : command;
}

/** A configured health command as a Docker health check test. */
export function healthTest(command: Command): string[] {
  return typeof command === "string" ? ["CMD-SHELL", command] : ["CMD", ...command];
}
