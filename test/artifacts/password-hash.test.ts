import { strict as assert } from "assert";
import { sha512Crypt } from "../../components/proxy/password-hash";
import { runTool } from "../harness/tools";

describe("basic-auth password hashes (checked by openssl passwd)", () => {
  it("are the SHA-512 crypt(3) hashes glibc, and so HAProxy, verifies", () => {
    const password = "correct-horse-battery-staple";
    const salt = "saltsaltSALT1234";
    const expected = runTool("openssl", ["passwd", "-6", "-salt", salt, "-stdin"], { input: password }).stdout.trim();
    assert.match(expected, /^\$6\$/);
    assert.equal(sha512Crypt(password, salt), expected);
  });

  it("refuses a salt crypt(3) would not accept", () => {
    assert.throws(() => sha512Crypt("pw", "bad salt!"), /salt must be 8 to 16 characters/);
  });
});
