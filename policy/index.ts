/**
 * berth's policy pack: `pulumi preview --policy-pack policy` (after `npm ci --prefix policy`).
 * The policies live in ./policies.ts (pure, unit-tested in test/unit/policy.test.ts); this file
 * only serves them, which is why nothing else imports it.
 *
 * Production is the stack named in the environment the engine starts the pack with
 * (PULUMI_NODEJS_STACK), matched against each prod policy's `prodStacks` config (default
 * ["prod"]): see ./environment.ts for the sources read.
 */
import { PolicyPack } from "@pulumi/policy";
import { berthPolicies } from "./policies";

new PolicyPack("berth", {
  description: "berth's guardrails: data, health, rollouts, SSH and image pinning.",
  enforcementLevel: "mandatory",
  policies: berthPolicies(),
});
