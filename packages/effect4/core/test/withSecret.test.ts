// withSecret and changes, on the TestClock. The "database" here is a set of accepted passwords: a login with any
// other fails as PostgreSQL does (SQLSTATE 28P01). The real PostgreSQL run is examples/rotation-postgres.
import type { SecretsOptions, SecretValue } from "@effect-secrets/core"
import { Auth, SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Redacted, Schema, Stream } from "effect"
import { TestClock } from "effect/testing"

const exact: SecretsOptions = { timeToLive: "5 minutes", jitter: 0, refreshAhead: 1 }

class LoginRefused {
  readonly code = "28P01"
  readonly _tag = "LoginRefused"
}

// A database that accepts the passwords in `accepted` and counts logins.
const database = (accepted: Set<string>) => {
  const logins = { ok: 0, refused: 0 }
  const query = (secret: SecretValue) =>
    Effect.suspend(() => {
      const password = secret.kind === "string" ? Redacted.value(secret.value) : ""
      if (accepted.has(password)) {
        logins.ok++
        return Effect.succeed(`connected with ${password}`)
      }
      logins.refused++
      return Effect.fail(new LoginRefused())
    })
  return { query, logins }
}

const withCache = <A, E>(
  body: (secrets: SecretsService.Service, store: TestSecretStore.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    return yield* body(yield* SecretsService, yield* TestSecretStore)
  }).pipe(Effect.provide(SecretsService.layerTest({ db: "pw-1" }, exact)))

const options = { isAuthFailure: Auth.isPostgresAuthFailure }

describe("withSecret", () => {
  it.effect("an auth failure after a rotation refreshes the secret and runs again with the new value", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        const db = database(new Set(["pw-1"]))
        yield* secrets.withSecret("db", db.query, options)
        yield* store.put("db", "pw-2")
        const rotated = database(new Set(["pw-2"])) // the database now accepts only the new password
        assert.strictEqual(yield* secrets.withSecret("db", rotated.query, options), "connected with pw-2")
        assert.deepStrictEqual(rotated.logins, { ok: 1, refused: 1 })
        assert.strictEqual(yield* store.fetchCount("db"), 2)
      })
    ))

  it.effect("a thousand requests failing at once cause one store call", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        yield* store.put("db", "pw-2")
        yield* store.setLatency("100 millis")
        const db = database(new Set(["pw-2"]))
        // Forked one after the other from this fiber (forking does not wait), so all run at once; Effect 4 interrupts
        // the children of a finished fiber, such as the workers of a concurrent `forEach`.
        const fibers = yield* Effect.forEach(
          Array.from({ length: 1000 }),
          () => Effect.forkChild(secrets.withSecret("db", db.query, options))
        )
        yield* TestClock.adjust("100 millis")
        const results = yield* Effect.forEach(fibers, Fiber.join)
        assert.strictEqual(results.length, 1000)
        assert.strictEqual(yield* store.fetchCount("db"), 2, "the first load, then one forced refresh")
        assert.strictEqual(db.logins.ok, 1000)
      })
    ))

  it.effect("forced refreshes of one key are rate-limited: at most one store call per interval", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        // A database that refuses everything: every call keeps asking for a working credential.
        const db = database(new Set())
        const settings = {
          ...options,
          minRefreshInterval: "5 seconds",
          waitForRotation: { budget: "20 seconds" }
        } as const
        const failing = yield* Effect.forkChild(Effect.exit(secrets.withSecret("db", db.query, settings)))
        for (let t = 0; t < 20; t++) yield* TestClock.adjust("1 second")
        const exit = yield* Fiber.join(failing)
        assert.isTrue(Exit.isFailure(exit))
        // 1 initial load, then forced refreshes at t = 0, 5, 10, 15 and 20 s at most (and AWSPENDING lookups alike).
        const current = (yield* store.fetchCount("db")) - 1
        assert.isAtMost(current, 10)
        assert.isAtLeast(current, 2)
      })
    ))

  it.effect("single-user rotation: while AWSCURRENT still holds the refused version, AWSPENDING is used", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        yield* store.putPending("db", "pw-2") // createSecret
        const db = database(new Set(["pw-2"])) // setSecret: the database changed first
        assert.strictEqual(yield* secrets.withSecret("db", db.query, options), "connected with pw-2")
        assert.deepStrictEqual(db.logins, { ok: 1, refused: 1 })
      })
    ))

  it.effect("once AWSPENDING worked, later calls start with it (one refused login, not one per call) until AWSCURRENT moves", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        const pending = yield* store.putPending("db", "pw-2")
        const db = database(new Set(["pw-2"]))
        for (let i = 0; i < 10; i++) yield* secrets.withSecret("db", db.query, options)
        assert.deepStrictEqual(db.logins, { ok: 10, refused: 1 })
        // finishSecret, and the database moves on again: the detour is forgotten with the version it bypassed.
        yield* store.promote("db", pending)
        yield* TestClock.adjust("5 minutes")
        const next = database(new Set(["pw-2"]))
        yield* secrets.withSecret("db", next.query, options)
        assert.deepStrictEqual(next.logins, { ok: 1, refused: 0 })
      })
    ))

  it.effect("with no pending version it waits with backoff, holding nothing, until AWSCURRENT moves", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        const accepted = new Set(["pw-2"])
        const db = database(accepted)
        const waiting = yield* Effect.forkChild(
          secrets.withSecret("db", db.query, { ...options, minRefreshInterval: "1 second" })
        )
        yield* TestClock.adjust("3 seconds")
        assert.isUndefined(waiting.pollUnsafe(), "still waiting")
        // Meanwhile other readers are not blocked by the waiting fiber.
        assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "pw-1")
        yield* store.put("db", "pw-2") // finishSecret
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual(yield* Fiber.join(waiting), "connected with pw-2")
      })
    ))

  it.effect("past the budget it fails with the original error, not a new one", () =>
    withCache((secrets) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        const db = database(new Set())
        const failing = yield* Effect.forkChild(
          Effect.flip(secrets.withSecret("db", db.query, { ...options, waitForRotation: { budget: "10 seconds" } }))
        )
        yield* TestClock.adjust("1 minute")
        const error = yield* Fiber.join(failing)
        assert.instanceOf(error, LoginRefused)
      })
    ))

  it.effect("a throttled forced refresh means waiting, not failing: it recovers once Secrets Manager answers", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        yield* store.put("db", "pw-2")
        yield* store.failNext("db", "throttled", 3)
        const db = database(new Set(["pw-2"]))
        const recovering = yield* Effect.forkChild(
          secrets.withSecret("db", db.query, { ...options, minRefreshInterval: "1 second" })
        )
        yield* TestClock.adjust("1 minute")
        assert.strictEqual(yield* Fiber.join(recovering), "connected with pw-2")
      })
    ))

  // A zero step used to spin through the budget in 1 ms sleeps (a thousand rounds per second of budget): a
  // flaky test and a busy loop for users. Now it means "do not wait": no sleep, no clock needed to finish.
  it.effect("a zero backoff does not wait for a rotation: one round, then the original error", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        const db = database(new Set())
        const error = yield* Effect.flip(
          secrets.withSecret("db", db.query, { ...options, waitForRotation: { base: 0, max: 0, budget: "1 second" } })
        )
        assert.instanceOf(error, LoginRefused)
        assert.deepStrictEqual(
          db.logins,
          { ok: 0, refused: 1 },
          "the refresh brought the same version: not tried twice"
        )
        assert.strictEqual(yield* store.fetchCount("db"), 3, "the first read, the forced refresh, AWSPENDING")
      })
    ))

  it.effect("a zero budget does not wait either", () =>
    withCache((secrets) =>
      Effect.gen(function*() {
        const db = database(new Set())
        const error = yield* Effect.flip(
          secrets.withSecret("db", db.query, { ...options, waitForRotation: { budget: 0 } })
        )
        assert.instanceOf(error, LoginRefused)
      })
    ))

  it.effect("a backoff that is not a duration is a defect naming the option", () =>
    withCache((secrets) =>
      Effect.gen(function*() {
        const db = database(new Set())
        const exit = yield* Effect.exit(
          secrets.withSecret("db", db.query, { ...options, waitForRotation: { base: "5 sec" as never } })
        )
        assert.isTrue(Exit.isFailure(exit) && String(Cause.squash(exit.cause)).includes("waitForRotation.base"))
      })
    ))

  it.effect("an error that is not an auth failure is returned at once, without a refresh", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(secrets.withSecret("db", () => Effect.fail("timeout" as const), options))
        assert.strictEqual(error, "timeout")
        assert.strictEqual(yield* store.fetchCount("db"), 1)
      })
    ))

  it.effect("withSecretJson hands `use` the decoded value and recovers the same way", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      const Credentials = Schema.Struct({ username: Schema.String, password: Schema.RedactedFromValue(Schema.String) })
      yield* secrets.get("db")
      yield* store.put("db", JSON.stringify({ username: "app", password: "pw-2" }))
      const login = (credentials: typeof Credentials.Type) =>
        Redacted.value(credentials.password) === "pw-2"
          ? Effect.succeed(credentials.username)
          : Effect.fail(new LoginRefused())
      assert.strictEqual(yield* secrets.withSecretJson("db", Credentials, login, options), "app")
    }).pipe(
      Effect.provide(SecretsService.layerTest({ db: JSON.stringify({ username: "app", password: "pw-1" }) }, exact))
    ))
})

describe("Auth", () => {
  it("recognises PostgreSQL and MySQL login failures, on the error or its cause", () => {
    assert.isTrue(Auth.isPostgresAuthFailure({ code: "28P01" }))
    assert.isTrue(Auth.isPostgresAuthFailure({ code: "28000" }))
    assert.isTrue(Auth.isPostgresAuthFailure({ _tag: "SqlError", cause: { code: "28P01" } }))
    assert.isFalse(Auth.isPostgresAuthFailure({ code: "57P01" }))
    assert.isTrue(Auth.isMySqlAuthFailure({ errno: 1045 }))
    assert.isTrue(Auth.isMySqlAuthFailure({ cause: { code: "ER_ACCESS_DENIED_ERROR" } }))
    assert.isFalse(Auth.isMySqlAuthFailure(new Error("boom")))
  })
})

describe("changes", () => {
  it.effect("emits when a load observes a new version, not on the first load", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        const collecting = yield* Effect.forkChild(Stream.runCollect(Stream.take(secrets.changes("db"), 2)))
        yield* Effect.yieldNow
        yield* secrets.get("db")
        yield* secrets.refresh("db") // same version: no change
        yield* store.put("db", "pw-2")
        yield* TestClock.adjust("5 minutes")
        yield* secrets.get("db")
        yield* store.put("db", "pw-3")
        yield* secrets.refresh("db")
        const seen = yield* Fiber.join(collecting)
        assert.deepStrictEqual(seen.map((secret) => secret.kind === "string" ? Redacted.value(secret.value) : ""), [
          "pw-2",
          "pw-3"
        ])
      })
    ))

  it.effect("still sees a rotation when an invalidate replaced the entry in between", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        const collecting = yield* Effect.forkChild(Stream.runCollect(Stream.take(secrets.changes("db"), 1)))
        for (let i = 0; i < 5; i++) yield* Effect.yieldNow
        yield* secrets.invalidate("db")
        yield* store.put("db", "pw-2")
        yield* secrets.get("db")
        const seen = yield* Fiber.join(collecting)
        assert.strictEqual(seen.length, 1)
      })
    ))

  it.effect("ends when the layer closes", () =>
    Effect.gen(function*() {
      const ended = yield* Effect.scoped(
        Effect.gen(function*() {
          const secrets = yield* SecretsService
          return yield* Effect.forkChild(Stream.runDrain(secrets.changes("db")))
        }).pipe(Effect.provide(SecretsService.layerTest({ db: "pw-1" })))
      )
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(ended)))
    }))
})
