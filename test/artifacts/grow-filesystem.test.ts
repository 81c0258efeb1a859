import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { renderGrowFilesystemScript } from "../../components/server/grow-filesystem";
import { runTool, tempDir } from "../harness/tools";

/** Size of an ext4 filesystem in bytes, as dumpe2fs reports it. */
function filesystemBytes(image: string): number {
  const out = runTool("dumpe2fs", ["-h", image], { debianPackage: "e2fsprogs" }).stdout;
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(out)?.[1]);
  return field("Block count") * field("Block size");
}

describe("growing the data volume's filesystem (real e2fsprogs)", () => {
  it("grows an ext4 filesystem to the new size of its device, keeping its files", () => {
    const dir = tempDir("grow");
    const image = path.join(dir, "volume.img");
    fs.writeFileSync(image, Buffer.alloc(0));
    fs.truncateSync(image, 32 << 20);
    assert.equal(runTool("mkfs.ext4", ["-q", "-F", image], { debianPackage: "e2fsprogs" }).status, 0);
    assert.equal(runTool("debugfs", ["-w", "-R", "mkdir pgdata", image], { debianPackage: "e2fsprogs" }).status, 0);
    const before = filesystemBytes(image);

    fs.truncateSync(image, 64 << 20); // what DigitalOcean's resize does to the block device
    const grown = runTool("sh", ["-c", renderGrowFilesystemScript({ volumeDevice: image })]);
    assert.equal(grown.status, 0, grown.stderr);

    assert.ok(before <= 32 << 20, `before: ${before}`);
    assert.equal(filesystemBytes(image), 64 << 20);
    assert.match(runTool("debugfs", ["-R", "ls /", image]).stdout, /pgdata/);
  });
});
