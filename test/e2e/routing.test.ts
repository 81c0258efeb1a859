import { strict as assert } from "assert";
import { Deployment } from "./harness/deployment";
import { E2eEnvironment, e2eEnvironment } from "./support/environment";
import { eventually, fetchVia } from "./support/http";
import { EXAMPLE_WORKER, exampleApp, exampleStack, HTTP_ORIGIN, ORIGIN } from "./support/stack";

const ADMIN_PASSWORD = "correct-horse-battery";

/** What a user sees once `pulumi up` has run: each host reaches its app, over HTTPS. */
describe("e2e: routing, static sites and basic auth", function () {
  let env: E2eEnvironment;
  let deployment: Deployment;

  before(async function () {
    env = await e2eEnvironment(this);
    this.timeout(300_000);
    deployment = new Deployment("e2e-routing", env.registry);
    await deployment.sweep();
    await deployment.up(
      exampleStack(
        {
          web: exampleApp({ replicas: 3, processes: { worker: EXAMPLE_WORKER } }),
          // nginx's master chowns its cache and drops its workers to the nginx user (README, Hardening).
          docs: { image: "nginx:1.27", replicas: 2, port: 80, hosts: ["docs.localhost"], health: { path: "/", intervalSeconds: 1 }, capAdd: ["CHOWN", "SETGID", "SETUID"] },
          admin: exampleApp({ replicas: 1, hosts: ["admin.localhost"], basicAuth: { realm: "Admin", users: ["ops"] } }),
        },
        { secrets: { basicAuth: { admin: { ops: ADMIN_PASSWORD } } } },
      ),
      { secretKeys: ["secrets"] },
    );
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
  });

  it("routes each Host to its own app, and spreads requests over every replica", async () => {
    const replicas = deployment.resources("docker:index/container:Container").filter((c) => /-web-\d+$/.test(c.name));
    assert.equal(replicas.length, 3);
    const seen = new Set<string>();
    await eventually(async () => {
      for (let i = 0; i < 12; i++) {
        const reply = await fetchVia(ORIGIN, "web.localhost", "/");
        assert.equal(reply.status, 200);
        assert.equal(JSON.parse(reply.body).version, "v1");
        seen.add(reply.headers["x-replica"] as string);
      }
      assert.equal(seen.size, 3, `replicas that answered: ${[...seen].join(", ")}`);
    });
    const docs = await fetchVia(ORIGIN, "docs.localhost", "/");
    assert.equal(docs.headers["x-replica"], undefined, "docs.localhost must not reach the example app");
  });

  it("serves a static site", async () => {
    const reply = await fetchVia(ORIGIN, "docs.localhost", "/");
    assert.equal(reply.status, 200);
    assert.match(reply.body, /Welcome to nginx!/);
    assert.match(String(reply.headers["content-type"]), /text\/html/);
  });

  it("answers 404 for a host no app serves, and redirects plain HTTP to HTTPS", async () => {
    assert.equal((await fetchVia(ORIGIN, "nobody.localhost", "/")).status, 404);
    const redirect = await fetchVia(HTTP_ORIGIN, "web.localhost", "/items?x=1");
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, `https://web.localhost:${new URL(ORIGIN).port}/items?x=1`);
  });

  it("refuses a basic-auth route without credentials and serves it with them", async () => {
    const anonymous = await fetchVia(ORIGIN, "admin.localhost", "/");
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers["www-authenticate"]), /Basic realm="Admin"/);

    const wrong = await fetchVia(ORIGIN, "admin.localhost", "/", { headers: { authorization: basic("ops", "wrong-password-123") } });
    assert.equal(wrong.status, 401);

    const authorized = await fetchVia(ORIGIN, "admin.localhost", "/", { headers: { authorization: basic("ops", ADMIN_PASSWORD) } });
    assert.equal(authorized.status, 200);
    assert.equal(JSON.parse(authorized.body).version, "v1");
  });

  it("queues an item in Redis, which the worker stores in Postgres and counts", async () => {
    const created = await fetchVia(ORIGIN, "web.localhost", "/items", { method: "POST", body: JSON.stringify({ name: "first" }) });
    assert.equal(created.status, 202, created.body);
    await eventually(async () => {
      const list = JSON.parse((await fetchVia(ORIGIN, "web.localhost", "/items")).body);
      assert.deepEqual(list.items.map((i: { name: string }) => i.name), ["first"]);
      assert.equal(list.count, 1);
    }, 30_000, 250);
  });
});

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
