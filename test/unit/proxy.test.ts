import { strict as assert } from "assert";
import { verify } from "unixcrypt";
import { HaproxyOptions, HaproxyRoute, renderHaproxyConfig } from "../../components/proxy/haproxy-config";
import { fakeImageId } from "../harness/fakes";
import { ProgramRun, runProgram } from "../harness/program";
import { doConfig, stackFileConfig, localConfig, TYPES } from "../harness/stacks";

const BASE: HaproxyOptions = {
  routes: [
    {
      name: "web",
      hosts: ["example.com", "www.example.com"],
      paths: ["/"],
      stripPrefix: false,
      servers: ["berth-dev-web-1-9f8e7d6", "berth-dev-web-0-a1b2c3d"],
      port: 3000,
      healthPath: "/health",
    },
    { name: "api-v2", hosts: ["api.example.com"], paths: ["/"], stripPrefix: false, servers: ["berth-dev-api-v2-0-0c0ffee"], port: 8080, healthPath: "/ready" },
  ],
  health: { interMs: 500, fall: 2, rise: 2 },
  httpsRedirect: true,
  publicHttpsPort: 443,
  hsts: true,
};

/** A route on shop.example.com, beside its web process (which claims "/"). */
function shopRoute(name: string, paths: string[], more: Partial<HaproxyRoute> = {}): HaproxyRoute {
  return { name, hosts: ["shop.example.com"], paths, stripPrefix: false, servers: [`berth-dev-${name}-0-1234567`], port: 3000, healthPath: "/health", ...more };
}

const TEAM = { name: "team", passwordHash: "$6$saltsaltsalt$hash" };

/** The lines of one section ("backend app_web", "frontend https", ...), trimmed. */
function sectionOf(config: string, header: string): string[] {
  const blocks = config.split(/\n\n/);
  const block = blocks.find((b) => b.split("\n")[0] === header);
  assert.ok(block, `no section "${header}" in:\n${config}`);
  return block.split("\n").slice(1).map((l) => l.trim());
}

describe("Proxy", () => {
  describe("haproxy.cfg", () => {
    const config = renderHaproxyConfig(BASE);

    it("routes each Host to its app's backend, ignoring case and port", () => {
      const https = sectionOf(config, "frontend https");
      assert.ok(https.includes("http-request set-var(txn.host) req.hdr(host),field(1,:),lower"));
      assert.ok(https.includes("use_backend app_web if { var(txn.host) -m str example.com www.example.com }"));
      assert.ok(https.includes("use_backend app_api_v2 if { var(txn.host) -m str api.example.com }"));
      assert.ok(https.includes("default_backend no_route"));
    });

    it("lists each replica by container name, resolved through Docker's DNS", () => {
      const web = sectionOf(config, "backend app_web");
      assert.ok(web.includes("balance roundrobin"));
      assert.deepEqual(
        web.filter((l) => l.startsWith("server ")),
        ["server berth-dev-web-0-a1b2c3d berth-dev-web-0-a1b2c3d:3000", "server berth-dev-web-1-9f8e7d6 berth-dev-web-1-9f8e7d6:3000"],
      );
      assert.deepEqual(sectionOf(config, "resolvers docker").slice(0, 2), ["nameserver dockerdns 127.0.0.11:53", "accepted_payload_size 8192"]);
      assert.match(config, /default-server init-addr last,libc,none resolvers docker resolve-prefer ipv4 check/);
    });

    it("runs one worker thread and reuses idle connections to replicas", () => {
      assert.ok(sectionOf(config, "global").includes("nbthread 1"));
      assert.ok(sectionOf(config, "defaults").includes("http-reuse always"));
    });

    it("lets clients' idle keep-alive connections finish on a reload instead of resetting them", () => {
      assert.ok(sectionOf(config, "defaults").includes("option idle-close-on-response"));
    });

    it("checks each replica's health path actively and takes a dead one out within 2 s by default", () => {
      const api = sectionOf(config, "backend app_api_v2");
      assert.ok(api.includes("option httpchk"));
      assert.ok(api.includes("http-check send meth GET uri /ready ver HTTP/1.1 hdr Host api.example.com"));
      const [, inter, fastinter, fall] = /check inter (\d+)ms fastinter (\d+)ms fall (\d+) rise 2/.exec(config)!;
      // The first failed check comes within `inter`, the next ones every `fastinter`.
      const worstCase = Number(inter) + (Number(fall) - 1) * Number(fastinter) + Number(fall) * Number(inter);
      assert.ok(worstCase <= 2000, `inter ${inter}, fastinter ${fastinter}, fall ${fall}: up to ${worstCase} ms`);
    });

    it("takes inter, fall and rise from config", () => {
      const custom = renderHaproxyConfig({ ...BASE, health: { interMs: 2000, fall: 3, rise: 5 } });
      assert.match(custom, /check inter 2000ms fastinter 1000ms fall 3 rise 5/);
    });

    it("retries failed connections on another replica", () => {
      const defaults = sectionOf(config, "defaults");
      assert.ok(defaults.includes("retry-on conn-failure empty-response response-timeout"));
      assert.ok(defaults.includes("option redispatch 1"));
      assert.ok(defaults.includes("retries 3"));
    });

    it("replays a request the app may have seen only if it is a GET or HEAD, in every app backend", () => {
      for (const backend of ["backend app_web", "backend app_api_v2"]) {
        assert.ok(sectionOf(config, backend).includes("http-request disable-l7-retry unless METH_GET"), backend);
      }
    });

    it("takes a replica out at its first failed connection on real traffic", () => {
      assert.match(config, /^ +default-server .* observe layer4 error-limit 1 on-error mark-down$/m);
    });

    it("redirects HTTP to HTTPS, sends HSTS and security headers, compresses and logs to stdout", () => {
      assert.ok(sectionOf(config, "frontend http").includes("http-request redirect scheme https code 301"));
      const https = sectionOf(config, "frontend https");
      assert.ok(https.includes('http-response set-header Strict-Transport-Security "max-age=63072000"'));
      assert.ok(https.includes("http-response set-header X-Content-Type-Options nosniff"));
      assert.ok(https.some((l) => l.startsWith("compression algo gzip")));
      assert.ok(https.includes("bind :443 ssl crt /usr/local/etc/haproxy/certs/site.pem alpn h2,http/1.1"));
      assert.ok(sectionOf(config, "global").includes("log stdout format raw local0 info"));
      for (const t of ["timeout connect 100ms", "timeout client 30s", "timeout server 30s", "timeout http-request 10s"]) {
        assert.ok(sectionOf(config, "defaults").includes(t), t);
      }
    });

    it("redirects to the right port when HTTPS is not on 443, and leaves out HSTS for self-signed", () => {
      const local = renderHaproxyConfig({ ...BASE, publicHttpsPort: 8443, hsts: false });
      assert.ok(
        sectionOf(local, "frontend http").includes(
          "http-request redirect location https://%[req.hdr(host),field(1,:)]:8443%[capture.req.uri] code 301",
        ),
      );
      assert.doesNotMatch(local, /Strict-Transport-Security/);
    });

    it("serves apps over plain HTTP too when the redirect is off", () => {
      const plain = renderHaproxyConfig({ ...BASE, httpsRedirect: false });
      assert.ok(sectionOf(plain, "frontend http").includes("use_backend app_web if { var(txn.host) -m str example.com www.example.com }"));
    });

    it("reloads seamlessly: master-worker, listeners handed over, server state kept", () => {
      const global = sectionOf(config, "global");
      assert.ok(global.includes("master-worker"));
      assert.ok(global.some((l) => /^stats socket \S+ mode 600 level admin expose-fd listeners$/.test(l)));
      assert.ok(global.includes("server-state-file /var/lib/haproxy/server-state"));
      assert.ok(sectionOf(config, "defaults").includes("load-server-state-from-file global"));
    });

    it("is the same text for the same routes in any order", () => {
      assert.equal(renderHaproxyConfig({ ...BASE, routes: [...BASE.routes].reverse() }), config);
    });
  });

  describe("haproxy.cfg with path routes", () => {
    const routes = [
      shopRoute("shop", ["/"]),
      shopRoute("shop-api", ["/api"], { stripPrefix: true }),
      shopRoute("shop-v2", ["/api/v2"]),
      shopRoute("shop-docs", ["/docs", "/docs/v1.0"], { stripPrefix: true }),
    ];
    const config = renderHaproxyConfig({ ...BASE, routes, httpsRedirect: false });
    const useBackend = (frontend: string) => sectionOf(config, frontend).filter((l) => l.startsWith("use_backend "));

    it("orders the routing rules by prefix, longest first, so HAProxy's first match is the longest prefix", () => {
      assert.deepEqual(useBackend("frontend https"), [
        "use_backend app_shop_docs if { var(txn.host) -m str shop.example.com } { var(txn.path) -m reg ^/docs/v1[.]0(/|$) }",
        "use_backend app_shop_v2 if { var(txn.host) -m str shop.example.com } { var(txn.path) -m reg ^/api/v2(/|$) }",
        "use_backend app_shop_docs if { var(txn.host) -m str shop.example.com } { var(txn.path) -m reg ^/docs(/|$) }",
        "use_backend app_shop_api if { var(txn.host) -m str shop.example.com } { var(txn.path) -m reg ^/api(/|$) }",
        "use_backend app_shop if { var(txn.host) -m str shop.example.com }",
      ]);
    });

    it("routes the same way on plain HTTP", () => {
      assert.deepEqual(useBackend("frontend http"), useBackend("frontend https"));
    });

    it("matches whole segments (`^/api(/|$)`, not /apix) and reads a '.' in a prefix as a dot", () => {
      assert.match(config, /-m reg \^\/api\(\/\|\$\) \}/);
      assert.match(config, /-m reg \^\/docs\/v1\[\.\]0\(\/\|\$\) \}/);
    });

    it("captures the path the client sent before any rule can rewrite it", () => {
      const https = sectionOf(config, "frontend https");
      const captured = https.indexOf("http-request set-var(txn.path) path");
      assert.ok(captured >= 0);
      assert.ok(https.every((l, i) => !/^http-request (set-path|replace-path|set-uri|replace-uri)/.test(l) || i > captured));
    });

    it("drops any X-Forwarded-Prefix the client sent", () => {
      for (const frontend of ["frontend http", "frontend https"]) {
        assert.ok(sectionOf(config, frontend).includes("http-request del-header X-Forwarded-Prefix"), frontend);
      }
    });

    it("strips the longest of the route's prefixes the original path matches, once, and names it in X-Forwarded-Prefix", () => {
      const docs = sectionOf(config, "backend app_shop_docs").filter((l) => /strip_prefix|X-Forwarded-Prefix/.test(l));
      assert.deepEqual(docs, [
        "http-request set-var(txn.strip_prefix) str(/docs/v1.0) if { var(txn.path) -m reg ^/docs/v1[.]0(/|$) }",
        "http-request set-var(txn.strip_prefix) str(/docs) if !{ var(txn.strip_prefix) -m found } { var(txn.path) -m reg ^/docs(/|$) }",
        "http-request replace-path ^/docs/v1[.]0/?(.*) /\\1 if { var(txn.strip_prefix) -m str /docs/v1.0 }",
        "http-request replace-path ^/docs/?(.*) /\\1 if { var(txn.strip_prefix) -m str /docs }",
        "http-request set-header X-Forwarded-Prefix %[var(txn.strip_prefix)] if { var(txn.strip_prefix) -m found }",
      ]);
    });

    it("leaves the path of a route that does not strip alone", () => {
      assert.ok(!sectionOf(config, "backend app_shop_v2").some((l) => /strip_prefix|replace-path|X-Forwarded-Prefix/.test(l)));
    });

    it("has nothing to strip for a route claiming only /", () => {
      const root = renderHaproxyConfig({ ...BASE, routes: [shopRoute("shop", ["/"], { stripPrefix: true })] });
      assert.ok(!sectionOf(root, "backend app_shop").some((l) => /strip_prefix|replace-path|X-Forwarded-Prefix/.test(l)));
    });

    it("refuses a prefix config should have rejected", () => {
      for (const bad of ["/api/", "api", "/a b", "/a|b", "/(x)"]) {
        assert.throws(() => renderHaproxyConfig({ ...BASE, routes: [shopRoute("shop", [bad])] }), /not a path prefix/, bad);
      }
      const auth = { realm: "Team", users: [TEAM], paths: ["/x/"] };
      assert.throws(() => renderHaproxyConfig({ ...BASE, routes: [shopRoute("shop", ["/"], { basicAuth: auth })] }), /not a path prefix/);
    });
  });

  describe("haproxy.cfg with basic auth", () => {
    const render = (paths: string[]) =>
      sectionOf(renderHaproxyConfig({ ...BASE, routes: [shopRoute("shop", ["/"], { basicAuth: { realm: "Team", users: [TEAM], paths } })] }), "backend app_shop");

    it("asks for the login on every request and always removes Authorization when the paths are [\"/\"], as before paths", () => {
      const auth = render(["/"]).filter((l) => /auth|Authorization/.test(l));
      assert.deepEqual(auth, ['http-request auth realm "Team" unless { http_auth(users_shop) }', "http-request del-header Authorization"]);
    });

    it("asks for the login only under the given prefixes, compared decoded and in lower case", () => {
      const backend = render(["/downloads", "/Private/v1.0"]);
      assert.ok(backend.includes("http-request set-var(txn.auth_path) var(txn.path),url_dec,lower"));
      const acl = backend.find((l) => l.startsWith("acl auth_required "));
      assert.equal(acl?.split(" ").slice(0, 7).join(" "), "acl auth_required var(txn.auth_path) -m reg ^/private/v1[.]0([/;]|$) ^/downloads([/;]|$)");
      assert.ok(backend.includes('http-request auth realm "Team" if auth_required !{ http_auth(users_shop) }'));
    });

    it("also asks for it on a path an app may read as protected: empty or dot segments, or a path that does not decode", () => {
      const backend = render(["/downloads"]);
      assert.ok(backend.some((l) => l.startsWith("acl auth_required ") && l.endsWith(" // (^|/)[.][.]?([/;]|$)")));
      // Set first, replaced only if the path decodes: an undecodable path counts as an empty segment.
      const placeholder = backend.indexOf("http-request set-var(txn.auth_path) str(//)");
      assert.ok(placeholder >= 0 && placeholder < backend.indexOf("http-request set-var(txn.auth_path) var(txn.path),url_dec,lower"));
    });

    it("removes Authorization where the login is required, and elsewhere only when it holds the proxy's credentials", () => {
      assert.ok(render(["/downloads"]).includes("http-request del-header Authorization if auth_required || { http_auth(users_shop) }"));
    });

    it("decides on the path the client sent, before the route strips its prefix", () => {
      const backend = sectionOf(
        renderHaproxyConfig({
          ...BASE,
          routes: [shopRoute("shop-api", ["/api"], { stripPrefix: true, basicAuth: { realm: "Team", users: [TEAM], paths: ["/api/admin"] } })],
        }),
        "backend app_shop_api",
      );
      assert.ok(backend.indexOf('http-request auth realm "Team" if auth_required !{ http_auth(users_shop_api) }') < backend.findIndex((l) => l.startsWith("http-request replace-path")));
      assert.match(backend.find((l) => l.startsWith("acl auth_required "))!, /\^\/api\/admin\(/);
    });
  });

  describe("component", () => {
    let run: ProgramRun;
    const password = "a-very-long-team-password";
    const withAuth = doConfig({
      apps: {
        web: { image: "ghcr.io/acme/web:1", hosts: ["app.example.com"] },
        docs: { image: "ghcr.io/acme/docs:1", hosts: ["docs.example.com"], port: 8080, health: { path: "/" }, basicAuth: { users: ["team"] } },
      },
      databases: {},
      secrets: { basicAuth: { docs: { team: password } } },
    });
    before(async () => {
      run = await runProgram({ stack: "dev", config: withAuth, secretKeys: ["secrets"] });
    });
    const proxyConfig = (r: ProgramRun) => r.get(TYPES.remoteCommand, "proxy-config").inputs.stdin as string;

    it("publishes 80 and 443 and is replaced delete-before-replace (it owns the host ports)", () => {
      const proxy = run.get(TYPES.container, "proxy");
      assert.equal(proxy.deleteBeforeReplace, true);
      assert.equal(proxy.inputs.name, "berth-dev-proxy");
      assert.equal(proxy.inputs.image, fakeImageId("haproxy:3.2"));
      assert.deepEqual(
        proxy.inputs.ports.map((p: any) => [p.ip, p.internal, p.external]),
        [["0.0.0.0", 80, 80], ["::", 80, 80], ["0.0.0.0", 443, 443], ["::", 443, 443]],
      );
      assert.deepEqual(proxy.inputs.volumes, [{ hostPath: "/etc/berth/proxy", containerPath: "/usr/local/etc/haproxy", readOnly: true }]);
      assert.deepEqual(proxy.inputs.command, ["-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]);
    });

    it("keeps its config out of the container's inputs, so a route change never restarts it", async () => {
      const changed = await runProgram({
        stack: "dev",
        config: { ...withAuth, apps: { ...(withAuth.apps as object), api: { image: "ghcr.io/acme/api:1", hosts: ["api.example.com"] } } },
        secretKeys: ["secrets"],
      });
      assert.deepEqual(changed.get(TYPES.container, "proxy").inputs, run.get(TYPES.container, "proxy").inputs);
      assert.notEqual(proxyConfig(changed), proxyConfig(run));
      const trigger = (r: ProgramRun) => JSON.stringify(r.get(TYPES.remoteCommand, "proxy-reload").inputs.triggers);
      assert.notEqual(trigger(changed), trigger(run), "a config change must trigger a reload");
      assert.match(changed.get(TYPES.remoteCommand, "proxy-reload").inputs.create, /docker kill --signal USR2/);
    });

    it("writes the config and the key through stdin, 0600, never on a command line", () => {
      const cert = run.get(TYPES.remoteCommand, "proxy-certificate").inputs;
      assert.match(cert.create, /chmod 0600/);
      assert.match(cert.stdin, /BEGIN PRIVATE KEY/);
      assert.doesNotMatch(cert.create, /PRIVATE KEY/);
      const config = run.get(TYPES.remoteCommand, "proxy-config").inputs;
      assert.match(config.create, /chmod 0600/);
      assert.match(config.stdin, /^frontend https$/m);
    });

    it("protects a route with basic auth, holding only a salted SHA-512 hash of the password", () => {
      const config = proxyConfig(run);
      assert.ok(!config.includes(password));
      const hash = /^\s+user team password (\$6\$\S+)$/m.exec(config)?.[1];
      assert.ok(hash, config);
      assert.equal(verify(password, hash), true);
      const docs = sectionOf(config, "backend app_docs");
      assert.ok(docs.includes('http-request auth realm "Restricted" unless { http_auth(users_docs) }'));
      assert.ok(!sectionOf(config, "backend app_web").some((l) => l.includes("http-request auth")));
    });

    it("names each user's salt after the route, so a web route keeps the salt it had before processes", () => {
      const salt = run.get("random:index/randomString:RandomString", "proxy-docs-team-salt");
      assert.equal(salt.inputs.length, 16);
    });

    it("uses a self-signed certificate on the local target and no HSTS", async () => {
      const local = await runProgram({ stack: "local", config: localConfig() });
      assert.equal(local.ofType(TYPES.selfSigned).length, 1);
      assert.equal(local.ofType(TYPES.originCert).length, 0);
      assert.doesNotMatch(local.get(TYPES.localCommand, "proxy-config").inputs.stdin, /Strict-Transport-Security/);
    });

    it("makes a Cloudflare origin certificate for every host and sets the zone to Full (strict)", () => {
      const origin = run.get(TYPES.originCert, "tls-origin").inputs;
      assert.deepEqual(origin.hostnames, ["app.example.com", "docs.example.com"]);
      assert.equal(origin.requestType, "origin-ecc");
      const ssl = run.get(TYPES.zoneSetting, "tls-ssl-strict").inputs;
      assert.deepEqual([ssl.settingId, ssl.value, ssl.zoneId], ["ssl", "strict", "023e105f4ecef8ad9ca31a8372d0c353"]);
    });

    it("leaves the zone-wide SSL setting to the one stack that owns it: dev shares prod's zone", async () => {
      const dev = await runProgram({ stack: "dev", config: stackFileConfig("dev") });
      const prod = await runProgram({ stack: "prod", config: stackFileConfig("prod") });
      assert.equal(dev.ofType(TYPES.zoneSetting).length, 0);
      assert.equal(prod.ofType(TYPES.zoneSetting).length, 1);
      assert.equal(stackFileConfig("dev").zoneId, stackFileConfig("prod").zoneId);
    });

    it("asks for the origin certificate's hosts in a fixed order (an ordered list that forces a new certificate)", async () => {
      const swapped = await runProgram({
        stack: "dev",
        config: doConfig({ apps: { web: { image: "ghcr.io/acme/web:1", hosts: ["b.example.com", "a.example.com"] } }, databases: {} }),
      });
      assert.deepEqual(swapped.get(TYPES.originCert, "tls-origin").inputs.hostnames, ["a.example.com", "b.example.com"]);
    });
  });
});

describe("Proxy resource tree", () => {
  it("owns its container and every host command that serves it", async () => {
    const run = await runProgram({ stack: "dev", config: doConfig() });
    const proxy = run.resources.find((r) => r.type === "berth:index:Proxy")!;
    for (const name of ["proxy-config", "proxy-certificate", "proxy-reload"]) {
      assert.equal(run.get(TYPES.remoteCommand, name).parent, proxy.urn, name);
    }
    assert.equal(run.get(TYPES.container, "proxy").parent, proxy.urn);
  });
});

describe("Proxy rollout order", () => {
  const config = (replicas: number) =>
    doConfig({ apps: { web: { image: "ghcr.io/acme/web:1", hosts: ["app.example.com"], replicas } }, databases: {} });

  it("writes the config only once every replica passed its health gate, so a replica gets traffic only after it was healthy", async () => {
    const run = await runProgram({ stack: "dev", config: config(2) });
    const configFile = run.get(TYPES.remoteCommand, "proxy-config");
    for (const i of [0, 1]) {
      const replica = run.get(TYPES.container, `berth-dev-web-${i}`);
      assert.equal(replica.inputs.wait, true);
      const gate = run.get(TYPES.remoteCommand, `berth-dev-web-${i}-healthy`);
      assert.ok(configFile.dependencies.includes(gate.urn), `proxy-config must wait for replica ${i}'s gate`);
      assert.match(configFile.inputs.stdin, new RegExp(`server berth-dev-web-${i}-\\w+ berth-dev-web-${i}-\\w+:3000`));
    }
  });

  it("reloads when replicas come or go, with the container itself untouched", async () => {
    const [two, three] = [await runProgram({ stack: "dev", config: config(2) }), await runProgram({ stack: "dev", config: config(3) })];
    const trigger = (r: ProgramRun) => JSON.stringify(r.get(TYPES.remoteCommand, "proxy-reload").inputs.triggers);
    assert.notEqual(trigger(three), trigger(two));
    assert.deepEqual(three.get(TYPES.container, "proxy").inputs, two.get(TYPES.container, "proxy").inputs);
  });
});
