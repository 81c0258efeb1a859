import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

export interface MonitoringArgs {
  /** The URL DigitalOcean checks over HTTPS, e.g. https://app.example.com (the first route host). */
  target: pulumi.Input<string>;
  /** Who is alerted: addresses of members of the DigitalOcean team (DigitalOcean sends only to those). */
  emails: pulumi.Input<string>[];
  /** Alert when the served certificate has fewer days left than this (below the renewal window). */
  sslExpiryDays: number;
  /** Regions the check runs from (DigitalOcean's uptime regions: us_east, us_west, eu_west, se_asia). */
  regions?: string[];
}

/**
 * A DigitalOcean uptime check of the site over HTTPS, with two alerts to the given addresses:
 *   - ssl_expiry: the certificate served has fewer than `sslExpiryDays` days left. With tlsMode
 *     acme this is below the renewal window, so it fires only when renewal failed (see
 *     docs/operations.md, "The ssl_expiry alert fired");
 *   - down: the site did not answer from a checking region for two minutes.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** The uptime check's id. */
  public readonly checkId: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:Monitoring", name, {}, opts);
    // Every input of a check and an alert updates in place, and neither delete touches anything
    // else (digitaloceanUptimeCheck and digitaloceanUptimeAlert in the provider model): the order of
    // a replacement does not matter, so the engine's create-before-delete is stated.
    const options = { parent: this, deleteBeforeReplace: false };
    const check = new digitalocean.UptimeCheck(
      `${name}-https`,
      { name: `${name}-https`, type: "https", target: args.target, regions: args.regions ?? ["us_east", "eu_west"], enabled: true },
      options,
    );
    const notifications = [{ emails: args.emails }];
    new digitalocean.UptimeAlert(
      `${name}-ssl-expiry`,
      // ssl_expiry's threshold is in days (DigitalOcean's API reference, uptime alerts).
      { name: `${name}-ssl-expiry`, checkId: check.id, type: "ssl_expiry", comparison: "less_than", threshold: args.sslExpiryDays, period: "2m", notifications },
      options,
    );
    new digitalocean.UptimeAlert(`${name}-down`, { name: `${name}-down`, checkId: check.id, type: "down", period: "2m", notifications }, options);
    this.checkId = check.id;
    this.registerOutputs({ checkId: this.checkId });
  }
}
