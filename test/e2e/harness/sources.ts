/**
 * Where each fact of the engine and provider model comes from: the source code of the engine and
 * of the providers, read at these commits. A fact without a source is an assumption, and the
 * model holds none.
 *
 * Versions: the installed SDKs are @pulumi/pulumi 3.248.0, @pulumi/docker 5.2.0 and
 * @pulumi/command 1.2.1. pulumi/pulumi is read at its v3.248.0 tag. The newest pulumi-docker source
 * that could be read here is v5.1.0, which bundles kreuzwerker/terraform-provider-docker v4.5.0
 * (its `upstream` submodule); 5.2.0 bundles a newer upstream (its SDK has upload owner/group), so a
 * fact that changed between the two is not covered. pulumi-command is read at its v1.2.1 tag (the
 * installed SDK's version) and pulumi-go-provider, which it is built on, at v1.3.0 (its go.mod).
 * The Docker daemon's own behaviour is read in moby at v20.10.24, the engine the e2e tier runs on
 * (Debian's docker.io). The bridge is read at the newest stored commit.
 */
export interface Source {
  repo: string;
  commit: string;
  path: string;
  /** Line range at that commit, e.g. "L120-L131". */
  lines: string;
  /** What the code there says, quoted or closely paraphrased. */
  says: string;
}

export const COMMITS = {
  /** pulumi/pulumi, tag v3.248.0. */
  pulumi: "a88168d865b7fd428e5a929cc54aeceaf72d203f",
  /** pulumi/pulumi-docker, tag v5.1.0. */
  pulumiDocker: "e944612c4c970123d9a16a48c40d37dc84c89a70",
  /** kreuzwerker/terraform-provider-docker, tag v4.5.0 (pulumi-docker v5.1.0's upstream). */
  tfDocker: "5074970c71ce6cc393c74942d5d628943834beb9",
  /** pulumi/pulumi-terraform-bridge, tag v3.136.0. */
  bridge: "59de6c661df1e7561e6ece7ad7f1c835c63010c4",
  /** pulumi/pulumi-command, tag v1.2.1 (the installed @pulumi/command). */
  pulumiCommand: "7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25",
  /** pulumi/pulumi-go-provider, tag v1.3.0 (pulumi-command v1.2.1's provider/go.mod L11). */
  pulumiGoProvider: "3bfb720d763cca9c53a2af4016e224f7259f6345",
  /** moby/moby, tag v20.10.24: the Docker engine the e2e tier runs on. */
  moby: "5d6db842238e3c4f5f9fb9ad70ea46b35227d084",
  /** pulumi/pulumi-digitalocean v4.76.0 (nearest stored to 4.80.1). */
  pulumiDigitalocean: "0825b75e5e5e319d7e8a72c2fe3741304e7a5e11",
  /** digitalocean/terraform-provider-digitalocean v2.99.1 (the release 4.80.1's SDK matches). */
  tfDigitalocean: "401992a1e493a0e3cfc833197820867991fc011f",
  /** pulumi/pulumi-cloudflare v6.17.0 (nearest stored to 6.22.1). */
  pulumiCloudflare: "6052b720f3a89f0477aaa0a9b88a386f6293e255",
  /** cloudflare/terraform-provider-cloudflare v5.22.0 (the release 6.22.1's SDK matches). */
  tfCloudflare: "a2efdc5786ae9726d56928dbfe91933bd92404ca",
  // tlsMode acme. The installed @pulumiverse/acme 0.16.2's SDK (its .d.ts doc text) matches
  // sdk/nodejs at every pulumi-acme commit from fb57ebd (upstream v2.46.0) to f766450 (v2.48.1), the
  // newest: read there. The facts cited are unchanged between upstream v2.46.0 and v2.48.1
  // (git diff v2.46.0 v2.48.1 -- acme/resource_acme_certificate.go acme/resource_acme_registration.go is empty).
  /** pulumiverse/pulumi-acme f766450 ("Upgrade terraform-provider-acme to v2.48.1"). */
  pulumiAcme: "f766450e8c60f06a3c5dc027f38f1968c1f58eb7",
  /** vancluever/terraform-provider-acme, tag v2.48.1 (pulumi-acme f766450's provider/go.mod L9). */
  tfAcme: "1ccc44d4ff7f166cd8c0536c1b9f6f1631a4f8cb",
  /**
   * moby/moby, tag docker-v29.7.2, the newest stored release: the Docker CE a new droplet installs
   * from Docker's apt repository (the e2e engine is `moby`, above). Read for the droplet's host guards.
   */
  mobyDroplet: "6a43e3d5afddf4111da0f864bbc7cae5d7e95001",
} as const;

const REPOS: Record<keyof typeof COMMITS, string> = {
  pulumi: "pulumi/pulumi",
  pulumiDocker: "pulumi/pulumi-docker",
  tfDocker: "kreuzwerker/terraform-provider-docker",
  bridge: "pulumi/pulumi-terraform-bridge",
  pulumiCommand: "pulumi/pulumi-command",
  pulumiGoProvider: "pulumi/pulumi-go-provider",
  moby: "moby/moby",
  pulumiDigitalocean: "pulumi/pulumi-digitalocean",
  tfDigitalocean: "digitalocean/terraform-provider-digitalocean",
  pulumiCloudflare: "pulumi/pulumi-cloudflare",
  tfCloudflare: "cloudflare/terraform-provider-cloudflare",
  pulumiAcme: "pulumiverse/pulumi-acme",
  mobyDroplet: "moby/moby",
  tfAcme: "vancluever/terraform-provider-acme",
};

export function source(repo: keyof typeof COMMITS, path: string, lines: string, says: string): Source {
  return { repo: REPOS[repo], commit: COMMITS[repo], path, lines, says };
}

const STEPS = "pkg/resource/deploy/step_generator.go";

/** The engine's rules (pulumi/pulumi), applied by engine-model.ts and deployment.ts. */
export const ENGINE = {
  deleteBeforeReplace: source("pulumi", STEPS, "L1919-L1926", "the provider's diff.DeleteBeforeReplace, unless goal.DeleteBeforeReplace != nil: the program's option wins, true or false"),
  dependentReplacements: source("pulumi", STEPS, "L1931-L1957, L3036-L3116", "under delete-before-replace, calculateDependentReplacements: dependents whose inputs depend on the replaced resource and whose provider diff (those inputs unknown) replaces are deleted first"),
  ignoreChanges: source("bridge", "pkg/pf/internal/plugin/provider_server.go", "L385-L398", "the diff request carries req.GetIgnoreChanges(): ignored inputs do not count as changes (the engine keeps their old values)"),
  initErrorsUpdate: source("pulumi", STEPS, "L2053-L2068", "if resource was unchanged, but there were initialization errors, generate an empty update step"),
  initErrorsKept: source("pulumi", "pkg/resource/deploy/step.go", "L354-L363, L410-L417", "on StatusPartialFailure the step keeps the provider's id and outputs and sets s.new.InitErrors"),
  oldHalfMarkedForDelete: source("pulumi", "pkg/resource/deploy/step.go", "L438-L452", "a create-before-delete replacement marks the old resource Delete = true, before the error check"),
  oldHalfDeletedAtEnd: source("pulumi", STEPS, "L2156-L2159, L2238-L2241", "GenerateDeletes (run in performPostSteps, after the program is done) gives every Delete: true resource a delete step"),
  pendingDeletesAtEnd: source("pulumi", "pkg/resource/deploy/deployment.go", "L519-L524", "pending deletes stay out of the olds table and are deleted by GenerateDeletes at the end; retirePendingDeletes, which ran first, was removed in a3128e50be96"),
  refreshDropsMissing: source("pulumi", "pkg/resource/deploy/step.go", "L1572-L1576", "RefreshStep.Apply: a blank refreshed id is a delete"),
  noStepAfterFailure: source("pulumi", "pkg/resource/deploy/step_executor.go", "L395-L404", "a failed step cancels the deployment: no new step starts, running ones finish, performPostSteps (the deletes) never runs"),
  diffAgainstState: source("bridge", "pkg/tfbridge/provider.go", "L1136-L1187", "Diff takes req.GetOlds() (the outputs the provider read) as the prior state against the new inputs"),
  createFailureInitError: source("pulumi", "sdk/go/common/resource/plugin/provider_plugin.go", "L2497-L2504", "a create error that carries the new state becomes StatusPartialFailure with an InitError"),
  pluginPlainError: source("pulumi", "sdk/go/common/resource/plugin/provider_plugin.go", "L1437-L1443, L1743-L1749", "a Create or Update error with no ErrorResourceInitFailed detail is returned as it is: no id, no outputs, no partial failure"),
  failedCreateNotStored: source("pulumi", "pkg/resource/deploy/step.go", "L410-L412, L438-L444", "if err != nil && resp.Status != resource.StatusPartialFailure { return resp.Status, nil, err }: before s.new gets an id, and before the old half of a replacement is marked Delete"),
  failedUpdateKeepsOld: source("pulumi", "pkg/resource/deploy/step.go", "L1050-L1052", "the same early return in UpdateStep.Apply, before s.new.Outputs = resp.Properties"),
  snapshotOnlyOnSuccess: source("pulumi", "pkg/engine/update.go", "L1178-L1179", "ctx.(SnapshotMutation).End(step, err == nil || status == resource.StatusPartialFailure)"),
  snapshotMutations: source("pulumi", "pkg/backend/snapshot.go", "L412-L436, L456-L466", "createSnapshotMutation.End markNew()s, and updateSnapshotMutation.End markDone(old)/markNew(new)s, only if successful: after a plain failure the state keeps what it had (nothing, or the old inputs and outputs), so the next update plans the same create or update again"),
  statusDiag: source("pulumi", "pkg/host/host.go", "L267-L269", "LogStatus: host.statusDiag.Logf(sev, diag.StreamMessage(urn, msg, streamID))"),
  statusSinkEphemeral: source("pulumi", "pkg/engine/update.go", "L482-L483", "Diag: newEventSink(emitter, false), StatusDiag: newEventSink(emitter, true); eventsink.go L72 passes statusSink as the event's ephemeral flag"),
  ephemeralNotInSummary: source("pulumi", "pkg/backend/display/progress.go", "L802-L805", "the final Diagnostics section skips payloads with v.Ephemeral; rows.go L458-L466 shows the last one in the resource's Info column while it runs"),
  // Replacing the server (test/unit/server-replacement.test.ts, docs/operations.md).
  dependentsFromDependingOn: source("pulumi", STEPS, "L3137-L3145", "calculateDependentReplacements walks depGraph.DependingOn(root): every transitive dependent, in dependency order; each one whose inputs come from the replace set, with those inputs unknown, and whose provider diff replaces, joins the set"),
  dependentsDeletedFirst: source("pulumi", STEPS, "L1959-L1963, L2021-L2030", "the dependents are deleted in reverse dependency order (for i := len(toReplace) - 1; i >= 0; i--), then the resource itself, then it is created: one chain of steps"),
  protectedDependentBlocks: source("pulumi", STEPS, "L1989-L1999", "a protected resource among the dependents: \"unable to replace resource ... as part of replacing ...\", the update bails before any delete"),
  protectedNeverReplaced: source("pulumi", STEPS, "L1834-L1850", "a protected resource that would be replaced: \"unable to replace resource ... as it is currently marked for protection\"; an update bails there, before the step runs"),
  registerAfterStep: source("pulumi", "pkg/resource/deploy/source_eval.go", "L2707-L2713", "RegisterResource answers only once the resource's step is done (result = <-step.done)"),
  dependenciesAwaited: source("pulumi", "sdk/nodejs/runtime/dependsOn.ts", "L110-L117", "before a registration is sent, the SDK awaits the URN of every dependency (dependsOn and inputs), which resolves with that dependency's RegisterResource answer (runtime/resource.ts L780): a resource's step starts after its dependencies' steps finished"),
} as const;
