import { strict as assert } from "assert";
import { sshOptions } from "../../components/docker-host/ssh";
import { FAKE } from "../harness/fakes";
import { runTool } from "../harness/tools";

describe("SSH options for the Docker provider (checked by ssh -G)", () => {
  it("are accepted by OpenSSH and pin the stack's host key", () => {
    const result = runTool("ssh", [...sshOptions(FAKE.hostPublicKey), "-G", "root@203.0.113.10"], { debianPackage: "openssh-client" });
    assert.equal(result.status, 0, result.stderr);
    const effective = result.stdout;
    assert.match(effective, /^stricthostkeychecking true$/m);
    assert.match(effective, /^userknownhostsfile \/dev\/null$/m);
    assert.match(effective, /^batchmode yes$/m);
    assert.ok(effective.includes(`knownhostscommand /bin/echo %H ${FAKE.hostPublicKey.split(" ").slice(0, 2).join(" ")}`), effective);
  });
});
