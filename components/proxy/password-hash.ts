import { encrypt } from "unixcrypt";

/**
 * SHA-512 crypt(3) hash (`$6$`) for an HAProxy userlist. The salt comes from the stack's state, so
 * the hash, and with it the proxy config, stays the same from one `pulumi up` to the next.
 */
export function sha512Crypt(password: string, salt: string): string {
  if (!/^[A-Za-z0-9./]{8,16}$/.test(salt)) {
    throw new Error("sha512Crypt: the salt must be 8 to 16 characters of [A-Za-z0-9./]");
  }
  return encrypt(password, `$6$${salt}`);
}
