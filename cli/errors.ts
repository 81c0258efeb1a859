/**
 * A failure the user can act on: printed as `berth: <message>` without a stack trace, and the
 * process exits with `exitCode` (2 for a command line that could not be understood).
 */
export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Exit code for a command line that could not be understood, as getopt-style tools use. */
export const USAGE_EXIT = 2;
