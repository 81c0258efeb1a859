import { spawn } from "child_process";
import * as fs from "fs";
import { PassThrough, Readable } from "stream";
import { CliError } from "./errors";

/**
 * Decryption of off-site backups on the operator's machine, with the `age` binary and an identity
 * file (the private key). Only the file's path is ever on a command line, never its content, and
 * the key never leaves this machine: the stack and its server hold only the public recipients.
 */

/** The identity file: --identity, else BERTH_AGE_IDENTITY; it must be a readable file. */
export function identityPath(option: string | boolean | undefined, env: NodeJS.ProcessEnv): string {
  const given = typeof option === "string" && option !== "" ? option : env.BERTH_AGE_IDENTITY;
  if (!given) {
    throw new CliError(
      "restoring an off-site backup needs the age identity (private key) of the backups' recipients: " +
        "pass --identity <file> or set BERTH_AGE_IDENTITY=<file>",
    );
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(given);
    fs.accessSync(given, fs.constants.R_OK);
  } catch (err) {
    throw new CliError(`cannot read the age identity file ${given}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!stat.isFile()) throw new CliError(`the age identity ${given} is not a file`);
  return given;
}

/** Fails clearly when the `age` binary is not installed. */
export async function checkAge(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn("age", ["--version"], { stdio: "ignore" });
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "ENOENT" ? new CliError(AGE_MISSING) : new CliError(`could not run age: ${err.message}`)),
    );
    child.once("close", () => resolve());
  });
}

const AGE_MISSING = "restoring an off-site backup needs the age binary on PATH (https://age-encryption.org: apt install age, brew install age)";

export interface Decryption {
  /** The plaintext, as age writes it (only ever authenticated chunks). */
  plaintext: Readable;
  /** Resolves when age has exited 0: every byte authenticated, none missing; else rejects with why. */
  done: Promise<void>;
  /** Stops age (when the consumer gave up). */
  abort(): void;
}

/** `age --decrypt -i <identity>`, ciphertext on its standard input. */
export function decrypt(ciphertext: Readable, identity: string, what: string): Decryption {
  const child = spawn("age", ["--decrypt", "-i", identity], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  let inputError: Error | undefined;
  ciphertext.once("error", (err) => {
    inputError = err;
    child.kill();
  });
  // age stops reading once it fails (e.g. a wrong identity): the rest of the download is not needed.
  child.stdin.on("error", () => undefined);
  ciphertext.pipe(child.stdin);
  const done = new Promise<void>((resolve, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) => reject(err.code === "ENOENT" ? new CliError(AGE_MISSING) : err));
    child.once("close", (code, signal) => {
      if (code === 0) return resolve();
      if (inputError) return reject(new CliError(`downloading ${what} failed: ${inputError.message}`));
      reject(new CliError(ageProblem(stderr, identity, what, signal ?? undefined)));
    });
  });
  done.catch(() => undefined); // observed by the caller, possibly later
  // Through a stream of our own: Node resumes (drains) a child's stdout that nobody reads when the
  // child exits, which would drop whatever had not been read yet.
  const plaintext = child.stdout.pipe(new PassThrough());
  return {
    plaintext,
    done,
    abort: () => {
      ciphertext.unpipe(child.stdin);
      ciphertext.destroy();
      child.kill();
    },
  };
}

/** age's complaint, said in terms of the restore. */
export function ageProblem(stderr: string, identity: string, what: string, signal?: string): string {
  const said = stderr
    .split("\n")
    .map((l) => l.replace(/^age: (error: )?/, "").trim())
    .filter((l) => l && !l.startsWith("report unexpected"))
    .join("; ");
  if (/no identity matched any of the recipients/.test(said)) {
    return `the age identity ${identity} does not match the recipients ${what} was encrypted to (age: ${said})`;
  }
  if (/failed to read header|unexpected intro|parsing age header/.test(said)) {
    return `${what} is not an age-encrypted file (age: ${said})`;
  }
  return `decrypting ${what} failed (age: ${said || (signal ? `killed by ${signal}` : "no message")})`;
}
