import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac } from "crypto";
import * as http from "http";
import { freePort } from "../../harness/sshd";

/**
 * s3rver checks only that a request's access key exists, not its SigV4 signature ("Signature
 * version 4 calculation is unimplemeneted", s3rver 3.7.1 lib/middleware/authentication.js L184-L186),
 * so a wrongly signed upload would pass against it and fail against Spaces. This front checks each
 * request as S3 does before passing it on: the signature, recomputed with the AWS SDK's own signer
 * (@smithy/signature-v4) from the request's signed headers, and, for a body, that
 * x-amz-content-sha256 is its SHA-256. A request that fails gets 403 SignatureDoesNotMatch.
 */
export interface SigV4Front {
  endpoint: string;
  /** Requests refused, with why. */
  refused: string[];
  close(): Promise<void>;
}

class Sha256 {
  private readonly hash: ReturnType<typeof createHmac> | ReturnType<typeof createHash>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac("sha256", bytes(secret)) : createHash("sha256");
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof data === "string" ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

export async function startSigV4Front(upstream: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<SigV4Front> {
  const refused: string[] = [];
  const port = await freePort();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const problem = await check(req, body, credentials);
    if (problem) {
      refused.push(`${req.method} ${req.url}: ${problem}`);
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>${problem}</Message></Error>`);
      return;
    }
    const target = new URL(req.url!, upstream);
    const forward = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    forward.on("error", (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    forward.end(body);
  });
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refused,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

async function check(req: http.IncomingMessage, body: Buffer, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<string | undefined> {
  const match = AUTH.exec(String(req.headers.authorization ?? ""));
  if (!match) return "no SigV4 Authorization header";
  const [, accessKeyId, , region, signedList, signature] = match;
  if (accessKeyId !== credentials.accessKeyId) return `unknown access key ${accessKeyId}`;
  const payloadHash = String(req.headers["x-amz-content-sha256"] ?? "");
  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== createHash("sha256").update(body).digest("hex")) return "x-amz-content-sha256 is not the body's SHA-256";
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!when) return "no x-amz-date";
  const signed = signedList.split(";");
  const headers: Record<string, string> = {};
  for (const name of signed) headers[name] = String(req.headers[name] ?? "");
  const url = new URL(req.url!, "http://front");
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => (query[key] = value));
  const [host, hostPort] = String(req.headers.host).split(":");
  const signer = new SignatureV4({ credentials, region, service: "s3", sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const expected = await signer.sign(
    { method: req.method!, protocol: "http:", hostname: host, port: hostPort ? Number(hostPort) : undefined, path: decodeURIComponent(url.pathname), query, headers },
    { signingDate: new Date(`${when[1]}-${when[2]}-${when[3]}T${when[4]}:${when[5]}:${when[6]}Z`), signableHeaders: new Set(signed) },
  );
  const want = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
  return want === signature ? undefined : "the signature does not match";
}
