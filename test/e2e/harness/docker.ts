import Docker from "dockerode";

/** The Docker engine the e2e tier runs on (DOCKER_HOST, or the default socket). */
export const docker = new Docker();

/** Runs a docker API call, turning its error into one that says what was being done. */
export async function dockerCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err: any) {
    const message = err?.json?.message ?? err?.message ?? String(err);
    throw new Error(`docker: ${what}: ${message}`);
  }
}

/** True when the engine answered 404 for the object. */
export function isNotFound(err: any): boolean {
  return err?.statusCode === 404 || /No such|not found/i.test(String(err?.message ?? err));
}
