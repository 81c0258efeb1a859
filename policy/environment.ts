/**
 * Which stack the pack is checking, and whether it is a production stack.
 *
 * How the stack name reaches a policy (read, not assumed):
 * - The engine starts a Node.js pack with PULUMI_NODEJS_STACK and PULUMI_STACK set to the stack's
 *   name (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go, constructEnv, from
 *   PolicyAnalyzerOptions.Stack, which pkg/engine/update.go sets to target.Name).
 * - It also sends the name in the ConfigureStack RPC, but @pulumi/policy 1.21.0 keeps only the
 *   stack's tags from it (node_modules/@pulumi/policy/server.js, configureStack), and the policy
 *   args carry no stack name (node_modules/@pulumi/policy/policy.d.ts, ResourceValidationArgs).
 * - `pulumi.getStack()` reads the same variable but answers "stack" when it is missing
 *   (node_modules/@pulumi/pulumi/runtime/state.js), which would quietly turn the prod checks off,
 *   so the variable is read here directly.
 *
 * Which names are production is the prod policies' config (`prodStacks`, default ["prod"]), set
 * with `--policy-pack-config`. A stack whose name cannot be found is treated as production: a
 * guardrail fails closed.
 */

/** Stack names checked as production when the pack config names none. */
export const DEFAULT_PROD_STACKS: readonly string[] = ["prod"];

/** The name of the stack being previewed or updated, as the engine passes it to the pack. */
export function stackFromEnvironment(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.PULUMI_NODEJS_STACK || env.PULUMI_STACK || undefined;
}

/**
 * Whether `stack` is one of `prodStacks`. A fully qualified name (`org/project/prod`) matches by
 * its last part too; an unknown stack (undefined) counts as production.
 */
export function isProductionStack(stack: string | undefined, prodStacks: readonly string[] = DEFAULT_PROD_STACKS): boolean {
  if (stack === undefined) return true;
  const short = stack.split("/").pop() ?? stack;
  return prodStacks.includes(stack) || prodStacks.includes(short);
}

/** How a violation message names the environment. */
export function describeStack(stack: string | undefined): string {
  return stack === undefined ? "a stack whose name the engine did not pass (checked as production)" : `production stack "${stack}"`;
}
