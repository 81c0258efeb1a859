import { strict as assert } from "assert";
import { SSL_EXPIRY_ALERT_DAYS } from "../../components/config/schema";
import { ProgramRun, runProgram } from "../harness/program";
import { doConfig, localConfig } from "../harness/stacks";
import { doUptimeAlert, doUptimeCheck } from "../e2e/harness/provider-model";

const CHECK = "digitalocean:index/uptimeCheck:UptimeCheck";
const ALERT = "digitalocean:index/uptimeAlert:UptimeAlert";
const apps = { web: { image: "ghcr.io/acme/web:1", hosts: ["app.example.com", "www.example.com"] } };

describe("Monitoring (berth:alertEmails)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: "dev", config: doConfig({ apps, databases: {}, alertEmails: ["oncall@example.com", "ops@example.com"] }) });
  });

  it("checks the first route host over HTTPS from two regions", () => {
    const checks = run.ofType(CHECK);
    assert.equal(checks.length, 1);
    assert.equal(checks[0].inputs.type, "https");
    assert.equal(checks[0].inputs.target, "https://app.example.com");
    assert.deepEqual(checks[0].inputs.regions, ["us_east", "eu_west"]);
  });

  it("alerts the configured addresses when the served certificate has fewer than 14 days left", () => {
    const alert = run.get(ALERT, "uptime-ssl-expiry");
    assert.equal(SSL_EXPIRY_ALERT_DAYS, 14);
    assert.deepEqual(
      { type: alert.inputs.type, comparison: alert.inputs.comparison, threshold: alert.inputs.threshold },
      { type: "ssl_expiry", comparison: "less_than", threshold: 14 },
    );
    assert.deepEqual(alert.inputs.notifications, [{ emails: ["oncall@example.com", "ops@example.com"] }]);
  });

  it("alerts the same addresses when the site is down", () => {
    const alert = run.get(ALERT, "uptime-down");
    assert.equal(alert.inputs.type, "down");
    assert.deepEqual(alert.inputs.notifications, [{ emails: ["oncall@example.com", "ops@example.com"] }]);
  });

  it("ties both alerts to the check", () => {
    const check = run.ofType(CHECK)[0];
    for (const alert of run.ofType(ALERT)) {
      assert.equal(alert.inputs.checkId, `${check.name}-id`);
      assert.ok(alert.dependencies.includes(check.urn), alert.name);
    }
  });

  it("states create-before-delete on the check and the alerts, whose every input updates in place (the provider model)", () => {
    for (const r of [...run.ofType(CHECK), ...run.ofType(ALERT)]) assert.equal(r.deleteBeforeReplace, false, r.name);
    for (const field of ["target", "type", "regions"]) assert.equal(doUptimeCheck.replaces(field), false, field);
    for (const field of ["checkId", "threshold", "notifications"]) assert.equal(doUptimeAlert.replaces(field), false, field);
  });

  it("names a non-default HTTPS port in the checked URL", async () => {
    const other = await runProgram({ stack: "dev", config: doConfig({ apps, databases: {}, httpsPort: 8443, alertEmails: ["oncall@example.com"] }) });
    assert.equal(other.ofType(CHECK)[0].inputs.target, "https://app.example.com:8443");
  });

  it("registers no check without alertEmails, nor on the local target", async () => {
    const none = await runProgram({ stack: "dev", config: doConfig({ apps, databases: {} }) });
    assert.deepEqual(none.ofType(CHECK), []);
    const local = await runProgram({ stack: "local", config: localConfig() });
    assert.deepEqual(local.ofType(CHECK), []);
  });
});
