import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Scenario from "../src/scenario.js"

// The AWS SDK's start-up warning about Node 20 would drown the printed timelines.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

// A real PostgreSQL server, real HTTP and real time (no TestClock: `excludeTestServices`). Both scenarios share one
// server and one Secrets Manager endpoint; each has its own role(s), secret, cache, pools and HTTP service.
describe("rotation-postgres", () => {
  layer(Scenario.InfrastructureLive, { timeout: "60 seconds", excludeTestServices: true })(
    "a password rotation under load",
    (it) => {
      it.effect("single user: no request fails, refused logins recover through AWSPENDING, the old password is gone afterwards", () =>
        Effect.gen(function*() {
          const report = yield* Scenario.run("single-user")
          console.log(report.timeline.join("\n"))
          const { load, newVersion, oldVersion } = report

          assert.strictEqual(load.failed, 0, `first failure: ${load.firstFailure}`)
          assert.isAbove(load.succeeded, 200)
          // The rotation really hit the pools: logins with the old password were refused, and recovered.
          assert.isAbove(report.loginsRefused, 0)
          assert.isAbove(load.byVersion[newVersion.versionId] ?? 0, 0)
          // The cache, not the requests, talks to Secrets Manager: over the ~9 s from createSecret to the end, about
          // one load per 1.6 s (refresh-ahead at 0.8 of the 2 s TTL) and at most one forced refresh of AWSCURRENT and
          // one of AWSPENDING per 5 s (withSecret's minRefreshInterval): about 10 at most, for thousands of requests.
          assert.isAtLeast(report.serviceCalls, 1)
          assert.isAtMost(report.serviceCalls, 12)
          // Afterwards nothing uses the old password: its pools are closed, the server has no session of it, and it
          // no longer logs in.
          assert.isAbove(report.afterTtl.answers, 0)
          assert.strictEqual(report.afterTtl.withOldVersion, 0)
          assert.isTrue(
            report.pools.filter((pool) => pool.versionId === oldVersion.versionId).every((pool) => pool.closed)
          )
          assert.strictEqual(report.oldVersionSessions, 0)
          assert.isTrue(report.oldCredentialsRejected)
        }))

      it.effect("alternating users: no request fails, no login is refused, after the TTL the service is the other user", () =>
        Effect.gen(function*() {
          const report = yield* Scenario.run("alternating-users")
          console.log(report.timeline.join("\n"))
          const { load, oldVersion } = report

          assert.strictEqual(load.failed, 0, `first failure: ${load.firstFailure}`)
          assert.isAbove(load.succeeded, 200)
          assert.strictEqual(report.loginsRefused, 0)
          assert.isAtLeast(report.serviceCalls, 1)
          assert.isAtMost(report.serviceCalls, 12)
          // current_user changes: app_a before the rotation, app_b once the cache has read the new AWSCURRENT.
          assert.isAbove(load.byUser["app_a"] ?? 0, 0)
          assert.isAbove(load.byUser["app_b"] ?? 0, 0)
          assert.isAbove(report.afterTtl.answers, 0)
          assert.deepStrictEqual(report.afterTtl.users, ["app_b"])
          assert.strictEqual(report.afterTtl.withOldVersion, 0)
          // app_a's password still works (its turn comes at the next rotation), but no pool or session uses it.
          assert.isTrue(
            report.pools.filter((pool) => pool.versionId === oldVersion.versionId).every((pool) => pool.closed)
          )
          assert.strictEqual(report.oldVersionSessions, 0)
          assert.isFalse(report.oldCredentialsRejected)
        }))
    }
  )
})
