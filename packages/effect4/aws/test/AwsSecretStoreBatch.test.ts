// AwsSecretStore.fetchBatch (what `prefetch` runs on): each answer reaches only the id it is unambiguously for, and
// one batch never runs longer than one read could. Through the real SDK over real HTTP, against the local endpoint or,
// for answers it cannot give (endless pages, stray entries, another resolution order), a stub on loopback.
import { AwsSecretStore } from "@effect-secrets/aws"
import type { SecretStoreError, SecretValue } from "@effect-secrets/core"
import { SecretsService, SecretStore } from "@effect-secrets/core"
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import type { Exit } from "effect"
import { Clock, Context, Effect, Layer, Redacted, Result } from "effect"
import * as fc from "fast-check"
import type { Stub } from "./stubServer.js"
import { json, stubServer } from "./stubServer.js"

// The ARN prefixes of secrets in the caller's own account and region, in another account, in another region.
const prefix = "arn:aws:secretsmanager:us-east-1:000000000000:secret:"
const otherAccount = "arn:aws:secretsmanager:us-east-1:222222222222:secret:"
const otherRegion = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:"

const storeOver = (clientConfig: Stub["clientConfig"], options: AwsSecretStore.AwsSecretStoreOptions = {}) =>
  AwsSecretStore.layer({ retry: { maxAttempts: 1 }, timeout: "1 hour", ...options, clientConfig }).pipe(
    Layer.build,
    Effect.map(Context.get(SecretStore))
  )

const fetchBatch = (store: SecretStore.Service, ids: ReadonlyArray<string>) => {
  assert.isDefined(store.fetchBatch)
  return store.fetchBatch!(ids)
}

// Each answer as a test reads it: the value's text, or the error's tag.
const outcomes = (answers: ReadonlyMap<string, Exit.Exit<SecretValue, SecretStoreError>>) =>
  Object.fromEntries(
    [...answers].map(([id, exit]) => {
      if (exit._tag === "Success") {
        const value: string | Uint8Array = Redacted.value<string | Uint8Array>(exit.value.value)
        return [id, typeof value === "string" ? value : "binary"]
      }
      // The cause is flat in Effect 4: its one reason is a typed failure, a defect or an interruption.
      const [reason] = exit.cause.reasons
      return [id, reason === undefined ? "Empty" : reason._tag === "Fail" ? reason.error._tag : reason._tag]
    })
  )

const entry = (name: string, arn: string, value: string) => ({
  ARN: arn,
  Name: name,
  VersionId: `v-${name}`,
  SecretString: value,
  VersionStages: ["AWSCURRENT"],
  CreatedDate: 1700000000
})

describe("AwsSecretStore.fetchBatch gives an answer only to the id it is unambiguously for", () => {
  it.effect("a partial ARN gets its own secret, not the secret whose name extends it (db vs db-prod)", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const db = yield* local.createSecret("db", "value-db")
      yield* local.createSecret("db-prod", "value-db-prod")
      const store = yield* storeOver(local.clientConfig)
      const partial = db.arn.slice(0, -7)
      const answers = yield* fetchBatch(store, [partial, "db-prod"])
      assert.deepStrictEqual(outcomes(answers), { [partial]: "value-db", "db-prod": "value-db-prod" })
      assert.strictEqual(yield* local.calls("BatchGetSecretValue"), 1)
      assert.strictEqual(yield* local.calls("GetSecretValue"), 0, "both answers were unambiguous")
    }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer())))

  it.effect("a name and the full ARN of one secret: one batch, when the batch shows the caller's account", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const secrets = yield* SecretsService
      const db = yield* local.createSecret("db", "value-db")
      yield* local.createSecret("api", "value-api")
      // "api" can only be the name's answer: its ARN shows where names resolve, so "db" of that account is db's.
      const results = yield* secrets.prefetch(["db", db.arn, "api"])
      assert.deepStrictEqual(
        results.map((r) => Result.isSuccess(r) ? Redacted.value<string | Uint8Array>(r.success.value) : r.failure._tag),
        ["value-db", "value-db", "value-api"]
      )
      assert.strictEqual(yield* local.calls("BatchGetSecretValue"), 1)
      assert.strictEqual(yield* local.calls("GetSecretValue"), 0)
      // Alone with the ARN, nothing shows that the ARN's account is the caller's: the name is read alone.
      yield* secrets.invalidateAll
      const again = yield* secrets.prefetch(["db", db.arn])
      assert.isTrue(again.every(Result.isSuccess))
      assert.strictEqual(yield* local.calls("BatchGetSecretValue"), 2)
      assert.strictEqual(yield* local.calls("GetSecretValue", "db"), 1)
      assert.strictEqual(yield* local.calls("GetSecretValue"), 1)
    }).pipe(
      Effect.provide(
        Layer.unwrap(
          Effect.map(LocalSecretsManager, (local) =>
            SecretsService.layer().pipe(
              Layer.provide(AwsSecretStore.layer({ retry: { maxAttempts: 1 }, clientConfig: local.clientConfig }))
            ))
        ).pipe(Layer.provideMerge(LocalSecretsManager.layer()))
      )
    ))

  it.effect("an ARN that is one secret's full ARN and another's partial ARN is read alone", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const db = yield* local.createSecret("db", "value-db")
      // A secret named like db's full ARN's last part: its partial ARN is db's full ARN.
      const lookalike = `db-${db.arn.slice(-6)}`
      yield* local.createSecret(lookalike, "value-lookalike")
      yield* local.createSecret("api", "value-api")
      const store = yield* storeOver(local.clientConfig)
      // "api" shows the caller's account, so the name lookalike is answered by the batch.
      const answers = yield* fetchBatch(store, [db.arn, lookalike, "api"])
      assert.deepStrictEqual(outcomes(answers), {
        [db.arn]: "value-db",
        [lookalike]: "value-lookalike",
        api: "value-api"
      })
      assert.strictEqual(yield* local.calls("GetSecretValue", db.arn), 1, "the ambiguous id, read alone")
      assert.strictEqual(yield* local.calls("GetSecretValue"), 1)
    }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer())))

  it.effect("stray entries and errors never reach the map; an id left unanswered or garbled is read alone", () =>
    Effect.gen(function*() {
      const stub = yield* stubServer(({ input, operation }) => {
        if (operation === "BatchGetSecretValue") {
          return json(200, {
            SecretValues: [
              entry("db-prod", `${prefix}db-prod-AbCdEf`, "value-db-prod"),
              { ...entry("api", `${prefix}api-AbCdEf`, "x"), SecretString: 5 }
            ],
            Errors: [
              { SecretId: "db-prod", ErrorCode: "ResourceNotFoundException" },
              { SecretId: "DB", ErrorCode: "AccessDeniedException" }
            ]
          })
        }
        const id = String(input.SecretId)
        return json(200, entry(id, `${prefix}${id}-AbCdEf`, `value-${id}`))
      })
      const store = yield* storeOver(stub.clientConfig)
      const answers = yield* fetchBatch(store, ["db", "api"])
      assert.deepStrictEqual(outcomes(answers), { db: "value-db", api: "value-api" })
      assert.strictEqual(stub.calls("GetSecretValue"), 2)
    }).pipe(Effect.scoped))

  it.effect("property: every requested id gets exactly what GetSecretValue gives it, and no other id is answered", () =>
    Effect.gen(function*() {
      // The secrets of one run (the same names in the caller's account and region, in another account, in another
      // region), and how the stub orders, deduplicates and drops batch answers.
      let world: {
        secrets: ReadonlyArray<{ name: string; arn: string }>
        reverse: boolean
        dedupe: boolean
        dropErrors: boolean
        drop: number
      } = { secrets: [], reverse: false, dedupe: false, dropErrors: false, drop: -1 }
      // Secrets Manager's resolution: a name in the caller's account and region; else a full ARN; else a partial ARN.
      const resolve = (id: string) =>
        id.startsWith("arn:")
          ? world.secrets.find((s) => s.arn === id) ?? world.secrets.find((s) => s.arn.slice(0, -7) === id)
          : world.secrets.find((s) => s.name === id && s.arn.startsWith(prefix))
      const value = (secret: { name: string; arn: string }) => `value-${secret.arn}`
      const stub = yield* stubServer(({ input, operation }) => {
        if (operation === "GetSecretValue") {
          const secret = resolve(String(input.SecretId))
          return secret === undefined
            ? json(400, { __type: "ResourceNotFoundException", message: "not found" })
            : json(200, entry(secret.name, secret.arn, value(secret)))
        }
        const ids = (input.SecretIdList as Array<string>).slice()
        if (world.reverse) ids.reverse()
        const SecretValues: Array<ReturnType<typeof entry>> = []
        const Errors: Array<{ SecretId: string; ErrorCode: string }> = []
        for (const id of ids) {
          const secret = resolve(id)
          if (secret === undefined) Errors.push({ SecretId: id, ErrorCode: "ResourceNotFoundException" })
          else if (!(world.dedupe && SecretValues.some((e) => e.ARN === secret.arn))) {
            SecretValues.push(entry(secret.name, secret.arn, value(secret)))
          }
        }
        // A server that leaves out errors, or one entry: what is missing is read alone, never taken from another.
        if (world.drop >= 0) SecretValues.splice(world.drop, 1)
        return json(200, { SecretValues, Errors: world.dropErrors ? [] : Errors })
      })
      const store = yield* storeOver(stub.clientConfig)
      // The test's own services (its TestClock included), to run each property case in.
      const context = yield* Effect.context<never>()

      const names = ["db", "db-prod", "db/prod", "db-AbCdEf", "db-prod-AbCdEf", "db-prod12", "app/db", "a-b"]
      const suffixes = ["AbCdEf", "prod12", "Zz9Zz9"]
      const scopes = [prefix, prefix, otherAccount, otherRegion]
      const arbitrary = fc.uniqueArray(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...scopes)), {
        minLength: 1,
        maxLength: 8,
        selector: ([name, scope]) => `${scope}${name}`
      }).chain((chosen) =>
        fc.record({
          secrets: fc.tuple(
            ...chosen.map(([name, scope]) =>
              fc.constantFrom(...suffixes).map((suffix) => ({ name, arn: `${scope}${name}-${suffix}` }))
            )
          ),
          ids: fc.uniqueArray(
            fc.oneof(
              fc.tuple(
                fc.constantFrom(...names),
                fc.constantFrom(...suffixes),
                fc.constantFrom(...scopes),
                fc.constantFrom("name", "name", "full", "partial")
              )
                .map(([name, suffix, scope, form]) =>
                  form === "name" ? name : form === "full" ? `${scope}${name}-${suffix}` : `${scope}${name}`
                ),
              fc.constantFrom("missing", `${prefix}missing`, `${prefix}db-prod`, `${otherAccount}db`)
            ),
            { minLength: 1, maxLength: 8 }
          ),
          reverse: fc.boolean(),
          dedupe: fc.boolean(),
          dropErrors: fc.boolean(),
          drop: fc.integer({ min: -3, max: 7 })
        })
      )
      const property = fc.asyncProperty(
        arbitrary,
        ({ dedupe, drop, dropErrors, ids, reverse, secrets }) =>
          Effect.runPromiseWith(context)(Effect.gen(function*() {
            world = { secrets, reverse, dedupe, dropErrors, drop }
            const answers = yield* fetchBatch(store, ids)
            const expected = Object.fromEntries(ids.map((id) => {
              const secret = resolve(id)
              return [id, secret === undefined ? "SecretNotFound" : value(secret)]
            }))
            assert.deepStrictEqual(outcomes(answers), expected)
            // One entry per requested id, each about that very id.
            assert.deepStrictEqual([...answers.keys()].sort(), [...ids].sort())
            for (const [id, exit] of answers) {
              const reason = exit._tag === "Success" ? undefined : exit.cause.reasons[0]
              const about = exit._tag === "Success"
                ? exit.value.secretId
                : reason?._tag === "Fail"
                ? reason.error.secretId
                : undefined
              assert.strictEqual(about, id)
            }
          }))
      )
      yield* Effect.promise(() => fc.assert(property, { numRuns: 300 }))
    }).pipe(Effect.scoped))
})

describe("a name is never answered with a secret of another account or region", () => {
  // A stub whose batch answers what a test says (no errors: a server that leaves them out), and whose single reads
  // resolve names in the caller's account and region and ARNs wherever they point.
  const world = (secrets: ReadonlyArray<readonly [string, string]>, batch: (ids: Array<string>) => Array<string>) =>
    stubServer(({ input, operation }) => {
      const answer = (arn: string) => {
        const name = secrets.find(([, candidate]) => candidate === arn)![0]
        return entry(name, arn, `value-of-${arn.slice(0, arn.indexOf(":secret:")).split(":").slice(3).join("/")}`)
      }
      if (operation === "BatchGetSecretValue") {
        return json(200, { SecretValues: batch(input.SecretIdList as Array<string>).map(answer), Errors: [] })
      }
      const id = String(input.SecretId)
      const found = secrets.find(([name, arn]) =>
        id.startsWith("arn:") ? arn === id || arn.slice(0, -7) === id : name === id && arn.startsWith(prefix)
      )
      return found === undefined
        ? json(400, { __type: "ResourceNotFoundException", message: "not found" })
        : json(200, answer(found[1]))
    })
  const home = "value-of-us-east-1/000000000000"
  const account222 = "value-of-us-east-1/222222222222"
  const euWest1 = "value-of-eu-west-1/000000000000"

  it.effect("the batch answers only another account's secret of that name: the name is read alone", () =>
    Effect.gen(function*() {
      const foreign = `${otherAccount}db-AbCdEf`
      const stub = yield* world([["db", `${prefix}db-Zz9Zz9`], ["db", foreign]], () => [foreign])
      const store = yield* storeOver(stub.clientConfig)
      const answers = yield* fetchBatch(store, ["db", foreign])
      assert.deepStrictEqual(outcomes(answers), { db: home, [foreign]: account222 })
      assert.strictEqual(stub.calls("GetSecretValue"), 1, "db, read alone")
    }).pipe(Effect.scoped))

  it.effect("another region's secret, asked by partial ARN, and a name with no secret of its own", () =>
    Effect.gen(function*() {
      const foreign = `${otherRegion}db-AbCdEf`
      const stub = yield* world([["db", foreign]], () => [foreign])
      const store = yield* storeOver(stub.clientConfig)
      const answers = yield* fetchBatch(store, ["db", `${otherRegion}db`])
      assert.deepStrictEqual(outcomes(answers), { db: "SecretNotFound", [`${otherRegion}db`]: euWest1 })
      assert.strictEqual(stub.calls("GetSecretValue"), 1)
    }).pipe(Effect.scoped))

  it.effect("a name an ARN id may stand for by its suffix (db-AbCdEf) is contested too", () =>
    Effect.gen(function*() {
      // The ARN ...:secret:db-AbCdEf may be db's full ARN or db-AbCdEf's partial one, in account 222222222222.
      const foreign = `${otherAccount}db-AbCdEf-Qq1Qq1`
      const stub = yield* world([["db-AbCdEf", foreign]], () => [foreign])
      const store = yield* storeOver(stub.clientConfig)
      const answers = yield* fetchBatch(store, ["db-AbCdEf", `${otherAccount}db-AbCdEf`])
      assert.deepStrictEqual(outcomes(answers), {
        "db-AbCdEf": "SecretNotFound",
        [`${otherAccount}db-AbCdEf`]: account222
      })
    }).pipe(Effect.scoped))

  it.effect("when the uncontested names show the caller's account and region, a name takes that scope's entry", () =>
    Effect.gen(function*() {
      const own = `${prefix}db-Zz9Zz9`
      const foreign = `${otherAccount}db-AbCdEf`
      const api = `${prefix}api-AbCdEf`
      const secrets = [["db", own], ["db", foreign], ["api", api]] as const
      const all = yield* world(secrets, () => [foreign, api, own])
      const store = yield* storeOver(all.clientConfig)
      assert.deepStrictEqual(outcomes(yield* fetchBatch(store, ["db", foreign, "api"])), {
        db: home,
        [foreign]: account222,
        api: home
      })
      assert.strictEqual(all.calls("GetSecretValue"), 0, "every answer was provably its id's")
      // Without db's own entry, the foreign one is still not db's.
      const partial = yield* world(secrets, () => [foreign, api])
      const other = yield* storeOver(partial.clientConfig)
      assert.deepStrictEqual(outcomes(yield* fetchBatch(other, ["db", foreign, "api"])), {
        db: home,
        [foreign]: account222,
        api: home
      })
      assert.strictEqual(partial.calls("GetSecretValue"), 1)
    }).pipe(Effect.scoped))

  it.effect("entries of one name from two accounts or regions, or names shown in two scopes: read alone", () =>
    Effect.gen(function*() {
      const secrets = [
        ["db", `${prefix}db-Zz9Zz9`],
        ["db", `${otherAccount}db-AbCdEf`],
        ["api", `${otherRegion}api-AbCdEf`],
        ["app", `${prefix}app-AbCdEf`]
      ] as const
      const stub = yield* world(secrets, () => secrets.map(([, arn]) => arn))
      const store = yield* storeOver(stub.clientConfig)
      assert.deepStrictEqual(outcomes(yield* fetchBatch(store, ["db", "api", "app"])), {
        db: home,
        api: "SecretNotFound",
        app: home
      })
      assert.strictEqual(stub.calls("GetSecretValue"), 3, "names answered from three scopes: none is trusted")
    }).pipe(Effect.scoped))
})

describe("one fetchBatch call is bounded", () => {
  it.effect("a server that always sends NextToken gets ids + 1 pages, then the unanswered ids are read alone", () =>
    Effect.gen(function*() {
      const stub = yield* stubServer(({ index, input, operation }) => {
        if (operation === "BatchGetSecretValue") {
          // Stops by itself after 1000 pages, so a store that follows it forever still ends the test.
          return json(200, {
            SecretValues: [entry("a", `${prefix}a-AbCdEf`, "value-a")],
            ...(index < 1000 ? { NextToken: `page-${index + 1}` } : {})
          })
        }
        const id = String(input.SecretId)
        return json(200, entry(id, `${prefix}${id}-AbCdEf`, `value-${id}`))
      })
      const store = yield* storeOver(stub.clientConfig)
      const answers = yield* fetchBatch(store, ["a", "b"])
      assert.deepStrictEqual(outcomes(answers), { a: "value-a", b: "value-b" })
      assert.strictEqual(stub.calls("BatchGetSecretValue"), 3)
      assert.strictEqual(stub.calls("GetSecretValue"), 1, "only b, which no page answered")
    }).pipe(Effect.scoped))

  it.effect("no batch outlasts one read's worst case: its unanswered ids time out as their own reads would", () =>
    Effect.gen(function*() {
      // The first page hangs until its attempt times out, the next ones answer a and page forever, and reads of b hang.
      const stub = yield* stubServer(({ index, operation }) =>
        operation === "BatchGetSecretValue"
          ? index === 0 ? "hang" : json(200, {
            SecretValues: [entry("a", `${prefix}a-AbCdEf`, "value-a")],
            NextToken: "again"
          })
          : "hang"
      )
      // One read: 2 attempts of 1 second, at most 1 ms apart: 2001 ms at worst.
      const store = yield* storeOver(stub.clientConfig, {
        timeout: "1 second",
        retry: { maxAttempts: 2, base: "1 millis", max: "1 millis" }
      })
      const start = yield* Clock.currentTimeMillis
      const answers = yield* TestIo.finish(yield* Effect.forkChild(fetchBatch(store, ["a", "b"])))
      const elapsed = (yield* Clock.currentTimeMillis) - start
      assert.deepStrictEqual(outcomes(answers), { a: "value-a", b: "SecretsUnavailable" }, "answers in hand stay")
      for (const exit of [answers.get("b")!]) {
        const reasons = exit._tag === "Failure" ? exit.cause.reasons : []
        const reason = reasons[0]
        assert.isTrue(
          reasons.length === 1 && reason?._tag === "Fail" && reason.error._tag === "SecretsUnavailable" &&
            reason.error.reason === "timeout"
        )
      }
      assert.isAtMost(elapsed, 2001, "on the TestClock: no longer than one read's worst case")
      // How many pages arrive before the deadline depends on how real I/O interleaves with the TestClock (a busy
      // machine lets one more in); what must hold is the bound: the hung page, its retry, and at most ids + 1 pages.
      const calls = stub.calls("BatchGetSecretValue")
      assert.isAtLeast(calls, 3, "the hung page, its retry, and the page that answered a")
      assert.isAtMost(calls, 2 + 3, "never more pages than ids + 1")
    }).pipe(Effect.scoped, TestIo.withRecording))
})
