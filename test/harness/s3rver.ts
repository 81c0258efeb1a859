import * as path from "path";
import { freePort } from "./sshd";
import { tempDir } from "./tools";

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<unknown>; close(): Promise<void> };

/** The only credentials s3rver accepts (its README: "accessKeyId: S3RVER, secretAccessKey: S3RVER"). */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" } as const;

export interface RunningS3 {
  /** As the stack output backupStorage gives it. */
  storage: { endpoint: string; region: string; bucket: string };
  close(): Promise<void>;
}

/**
 * An S3-compatible server (s3rver) in this process on 127.0.0.1 and a free port, with one empty
 * bucket: the stand-in for the stack's Spaces bucket.
 */
export async function startS3(bucket: string): Promise<RunningS3> {
  const port = await freePort();
  const server = new S3rver({ address: "127.0.0.1", port, silent: true, directory: path.join(tempDir("s3rver"), "data"), configureBuckets: [{ name: bucket, configs: [] }] });
  await server.run();
  return { storage: { endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", bucket }, close: () => server.close() };
}
