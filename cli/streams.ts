import { Readable, Transform } from "stream";

/** Stream helpers of the restore: look at a stream's first bytes, and hold its end back until it is vouched for. */

/**
 * The first `bytes` bytes of a stream (fewer if it ends first), left in the stream: whoever reads
 * it next gets them again.
 */
export function peek(stream: Readable, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (ended: boolean) => {
      stream.removeListener("readable", onReadable);
      stream.removeListener("end", onEnd);
      stream.removeListener("error", onError);
      const head = Buffer.concat(chunks);
      if (!ended && head.length > 0) stream.unshift(head);
      resolve(head.subarray(0, bytes));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= bytes) return finish(false);
      }
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => {
      stream.removeListener("readable", onReadable);
      stream.removeListener("end", onEnd);
      reject(err);
    };
    stream.on("readable", onReadable);
    stream.once("end", onEnd);
    stream.once("error", onError);
  });
}

/**
 * Passes a stream on, but holds its last chunk back until `verdict` resolves: when it rejects, the
 * consumer never sees the end of the data (and fails on an incomplete input) and this stream
 * errors with the verdict's reason. So a consumer that commits on a complete input, like
 * `pg_restore --single-transaction`, commits only what was vouched for as a whole.
 */
export function holdEndUntil(verdict: Promise<void>): Transform {
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      verdict.then(
        () => done(null, held),
        (err: Error) => done(err),
      );
    },
  });
}
