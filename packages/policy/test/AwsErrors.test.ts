/**
 * The invariants of the AWS error classification: every name is placed once, every transient row says why, only
 * `SecretsUnavailable` is ridden out, and every HTTP status (or none) falls back to exactly one row.
 */
import { AwsErrors } from "@effect-secrets/policy"
import { assert, describe, it } from "vitest"

describe("errorTable", () => {
  it("places each name once", () => {
    const names = AwsErrors.errorTable.map((row) => row.name)
    const repeated = names.filter((name, i) => names.indexOf(name) !== i)
    assert.deepStrictEqual(repeated, [])
  })

  it("gives every SecretsUnavailable row a reason, and every credentials row a detail", () => {
    for (const { maps, name } of AwsErrors.errorTable) {
      if (maps._tag !== "SecretsUnavailable") continue
      assert.include(["throttled", "timeout", "network", "server", "credentials", "unavailable"], maps.reason, name)
      if (maps.reason === "credentials") assert.isNotEmpty(maps.detail ?? "", name)
    }
  })

  it("finds every row by its name, and no name it does not hold", () => {
    for (const row of AwsErrors.errorTable) assert.strictEqual(AwsErrors.byName(row.name), row)
    assert.isUndefined(AwsErrors.byName("BrandNewException"))
  })

  it("answers with an AWS status only the errors AWS answers, from 100 to 599", () => {
    for (const { name, status } of AwsErrors.errorTable) {
      if (status !== undefined) assert.isTrue(Number.isInteger(status) && status >= 100 && status < 600, name)
    }
  })
})

describe("failureKind, as the README's rule says: only SecretsUnavailable is transient", () => {
  it("for every row of both tables", () => {
    const rows = [...AwsErrors.errorTable, ...AwsErrors.statusFallback]
    for (const { maps } of rows) {
      assert.strictEqual(
        AwsErrors.failureKind(maps),
        maps._tag === "SecretsUnavailable" ? "transient" : "revocation",
        maps._tag
      )
    }
  })

  it("for each of the core's error tags", () => {
    assert.strictEqual(AwsErrors.failureKind({ _tag: "SecretsUnavailable" }), "transient")
    for (
      const _tag of ["SecretNotFound", "SecretAccessDenied", "SecretRequestRejected", "SecretsMisconfigured"] as const
    ) {
      assert.strictEqual(AwsErrors.failureKind({ _tag }), "revocation", _tag)
    }
  })
})

describe("statusFallback", () => {
  it("places every status from 100 to 599 by its first matching row, which byStatus returns", () => {
    for (let status = 100; status < 600; status++) {
      const first = AwsErrors.statusFallback.find((row) => row.matches(status))
      assert.isDefined(first, String(status))
      assert.strictEqual(AwsErrors.byStatus(status), first, String(status))
    }
  })

  it("places no status at all by the row that matches none", () => {
    const none = AwsErrors.byStatus(undefined)
    assert.strictEqual(none.status, "none")
    assert.include(AwsErrors.statusFallback, none)
    for (let status = 100; status < 600; status++) assert.isFalse(none.matches(status), String(status))
  })

  it("keeps the statuses Secrets Manager answers with apart from those it never does", () => {
    assert.strictEqual(AwsErrors.byStatus(400).maps._tag, "SecretRequestRejected")
    assert.strictEqual(AwsErrors.byStatus(403).maps._tag, "SecretAccessDenied")
    for (const status of [302, 404, 405, 409]) {
      assert.strictEqual(AwsErrors.failureKind(AwsErrors.byStatus(status).maps), "transient", String(status))
    }
  })
})

describe("classify", () => {
  it("places a known name by errorTable, whatever the status", () => {
    const row = AwsErrors.byName("AccessDeniedException")!
    assert.deepStrictEqual(AwsErrors.classify("AccessDeniedException", 500), { name: row.name, maps: row.maps })
  })

  it("places an unknown or missing name by its status, and names it by what may be echoed", () => {
    assert.deepStrictEqual(AwsErrors.classify("BrandNewException", 400), {
      name: "BrandNewException",
      maps: AwsErrors.byStatus(400).maps
    })
    assert.deepStrictEqual(AwsErrors.classify(undefined, 403), { name: "HTTP 403", maps: AwsErrors.byStatus(403).maps })
    assert.deepStrictEqual(AwsErrors.classify(undefined, undefined), {
      name: "an unnamed error",
      maps: AwsErrors.byStatus(undefined).maps
    })
  })

  it("quotes an EndpointError's message only when it is one of the SDK's fixed ones", () => {
    const [fixed] = [...AwsErrors.endpointErrorMessages]
    assert.deepStrictEqual(AwsErrors.classify("EndpointError", undefined, fixed).maps, {
      _tag: "SecretsMisconfigured",
      reason: `EndpointError: ${fixed}`
    })
    const quoted = "Custom endpoint `https://user:pass@example.com` was not a valid URI"
    assert.strictEqual(
      AwsErrors.classify("EndpointError", undefined, quoted).maps,
      AwsErrors.byName("EndpointError")!.maps
    )
  })
})

describe("keyOf and isEchoable: which names may reach an error", () => {
  it("echoes AWS error names, never what is not letters and digits or says nothing", () => {
    assert.isTrue(AwsErrors.isEchoable("BrandNewException"))
    for (const name of ["Unknown", "UnknownError", "SyntaxError", "TypeError", "RangeError", "a b", "<html>", ""]) {
      assert.isFalse(AwsErrors.isEchoable(name), name)
    }
    assert.isFalse(AwsErrors.isEchoable("A".repeat(101)))
    assert.isUndefined(AwsErrors.keyOf({ name: "https://user:pass@example.com" }))
  })

  it("reads the SDK's in-process errors by their code or fixed message", () => {
    assert.strictEqual(AwsErrors.keyOf({ name: "TypeError", code: "ERR_INVALID_URL" }), "ERR_INVALID_URL")
    assert.strictEqual(AwsErrors.keyOf({ name: "Error", message: "Region is missing" }), "Region is missing")
    assert.strictEqual(AwsErrors.keyOf({ message: "Region not accepted: region=\"us east\"" }), "Region not accepted")
    assert.strictEqual(AwsErrors.keyOf({ name: "Error", code: "ECONNREFUSED" }), "ECONNREFUSED")
    assert.isUndefined(AwsErrors.keyOf({ name: "Error", message: "anything else" }))
  })

  it("prefers a known code to an unknown name, and a known name to a code", () => {
    assert.strictEqual(AwsErrors.keyOf({ name: "FetchError", code: "ECONNRESET" }), "ECONNRESET")
    assert.strictEqual(AwsErrors.keyOf({ name: "TimeoutError", code: "ECONNRESET" }), "TimeoutError")
  })

  it("reaches every name AWS answers with by that name alone", () => {
    for (const { name, status } of AwsErrors.errorTable) {
      if (status !== undefined) assert.strictEqual(AwsErrors.keyOf({ name }), name)
    }
  })
})
