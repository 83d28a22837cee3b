import { SecretDecodeError, SecretsService } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Schema, SchemaGetter, SchemaIssue } from "effect"
import * as util from "node:util"

const M = "MKSECRET9x7"

const renderings = (exit: Exit.Exit<unknown, unknown>): ReadonlyArray<string> => {
  if (Exit.isSuccess(exit)) return ["<success>"]
  const out = [Cause.pretty(exit.cause), util.inspect(exit.cause, { depth: 20 })]
  for (const reason of exit.cause.reasons) {
    const e = reason._tag === "Fail" ? reason.error : reason._tag === "Die" ? reason.defect : undefined
    if (e !== undefined) {
      out.push(String(e), util.inspect(e, { depth: 20, showHidden: true }))
      try {
        out.push(JSON.stringify(e))
      } catch {
        // ignore
      }
      if (e instanceof Error) out.push(e.message, String(e.stack))
    }
  }
  return out
}

const run = (json: string, schema: Schema.Decoder<unknown>) =>
  Effect.flatMap(SecretsService, (secrets) => secrets.getJson("db", schema)).pipe(
    Effect.provide(SecretsService.layerTest({ db: json }, { jitter: 0 })),
    Effect.exit
  )

const cases: ReadonlyArray<readonly [string, Schema.Decoder<unknown>, unknown]> = [
  ["literal mismatch", Schema.Struct({ a: Schema.Literals(["x", "y"]) }), { a: M }],
  ["template literal", Schema.Struct({ a: Schema.TemplateLiteral(["sk-", Schema.String]) }), { a: M }],
  ["record with value-derived key, bad value", Schema.Record(Schema.String, Schema.Number), { [M]: "no" }],
  ["nested record in struct", Schema.Struct({ r: Schema.Record(Schema.String, Schema.Number) }), { r: { [M]: "x" } }],
  ["array of records", Schema.Array(Schema.Record(Schema.String, Schema.Number)), [{ [M]: "x" }]],
  [
    "tagged union",
    Schema.Union([
      Schema.TaggedStruct("A", { a: Schema.Number }),
      Schema.TaggedStruct("B", { b: Schema.Number })
    ]),
    { _tag: M, a: M }
  ],
  [
    "tagged union member field",
    Schema.Union([
      Schema.TaggedStruct("A", { a: Schema.Number }),
      Schema.TaggedStruct("B", { b: Schema.Number })
    ]),
    { _tag: "A", a: M }
  ],
  [
    "check with message quoting value",
    Schema.Struct({
      a: Schema.String.check(Schema.makeFilter((s) => s.startsWith("sk-") || `bad ${s}`))
    }),
    { a: M }
  ],
  [
    "check with path from value",
    Schema.Struct({
      a: Schema.String.check(Schema.makeFilter((s) => s.startsWith("sk-") || { path: [s], issue: `bad ${s}` }))
    }),
    { a: M }
  ],
  [
    "BUG: a transformation failing with a Pointer whose path quotes the value (Effect 3 stopped at the Transformation issue)",
    Schema.Struct({
      a: Schema.String.pipe(Schema.decodeTo(Schema.String, {
        decode: SchemaGetter.transformEffect((s: string) =>
          Effect.fail(new SchemaIssue.Pointer([s], new SchemaIssue.InvalidValue({ message: `bad ${s}` }, s)))
        ),
        encode: SchemaGetter.transform((s: string) => s)
      }))
    }),
    { a: M }
  ],
  [
    "BUG: a transformation failing at a fixed path with an expected annotation that quotes the value (Effect 3 stopped at the Transformation issue)",
    Schema.Struct({
      a: Schema.String.pipe(Schema.decodeTo(Schema.String, {
        decode: SchemaGetter.transformEffect((s: string) =>
          Effect.fail(
            new SchemaIssue.Pointer(["host"], new SchemaIssue.InvalidValue({ expected: `a host, not ${s}` }, s))
          )
        ),
        encode: SchemaGetter.transform((s: string) => s)
      }))
    }),
    { a: M }
  ],
  [
    "transformOrFail InvalidValue quoting",
    Schema.Struct({
      a: Schema.String.pipe(Schema.decodeTo(Schema.Number, {
        decode: SchemaGetter.transformEffect((s: string) =>
          Effect.fail(new SchemaIssue.InvalidValue({ message: `bad ${s}`, expected: `not ${s}` }, s))
        ),
        encode: SchemaGetter.transform((n: number) => String(n))
      }))
    }),
    { a: M }
  ],
  [
    "nested fromJsonString record",
    Schema.Struct({
      inner: Schema.fromJsonString(Schema.Record(Schema.String, Schema.Number))
    }),
    { inner: JSON.stringify({ [M]: "x" }) }
  ],
  ["nested fromJsonString bad json", Schema.Struct({ inner: Schema.fromJsonString(Schema.Unknown) }), {
    inner: `{${M}`
  }],
  [
    "class",
    class C extends Schema.Class<C>("C")({ a: Schema.Number, r: Schema.Record(Schema.String, Schema.Number) }) {},
    {
      a: 1,
      r: { [M]: "x" }
    }
  ],
  [
    "struct with rest record",
    Schema.StructWithRest(Schema.Struct({ a: Schema.Number }), [
      Schema.Record(Schema.String, Schema.Number)
    ]),
    { a: 1, [M]: "x" }
  ],
  ["union of primitives", Schema.Union([Schema.Number, Schema.Boolean]), M],
  ["Finite from string", Schema.Struct({ a: Schema.FiniteFromString }), { a: M }],
  ["record of records", Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Number)), {
    k: { [M]: "x" }
  }],
  ["optional with record", Schema.Struct({ o: Schema.optional(Schema.Record(Schema.String, Schema.Number)) }), {
    o: { [M]: "x" }
  }],
  ["union of records", Schema.Union([Schema.Record(Schema.String, Schema.Number), Schema.Number]), { [M]: "x" }],
  [
    "tuple with rest",
    Schema.TupleWithRest(Schema.Tuple([Schema.Number]), [Schema.Record(Schema.String, Schema.Number)]),
    [
      1,
      { [M]: "x" }
    ]
  ],
  [
    "opaque struct check on whole",
    Schema.Struct({ a: Schema.String, b: Schema.String }).check(
      Schema.makeFilter((o) => o.a === o.b || { path: [o.a], issue: `mismatch ${o.a}` })
    ),
    { a: M, b: "c" }
  ],
  [
    "record key with path-check",
    Schema.Record(Schema.String, Schema.Number).check(
      Schema.makeFilter((r) => Object.keys(r).length === 0 || { path: Object.keys(r), issue: "x" })
    ),
    { [M]: 1 }
  ]
]

describe("review12 getJson decode errors", () => {
  for (const [name, schema, input] of cases) {
    it.effect(
      name.startsWith("BUG") ? name : `no rendering of the decode error holds the value: ${name}`,
      () =>
        Effect.gen(function*() {
          const exit = yield* run(JSON.stringify(input), schema)
          assert.isTrue(Exit.isFailure(exit), "should fail")
          const all = renderings(exit)
          const leaking = all.filter((s) => s.includes(M))
          assert.deepStrictEqual(leaking, [], `leaked in ${name}`)
          if (Exit.isFailure(exit)) {
            const e = Cause.findErrorOption(exit.cause)
            if (Option.isSome(e)) assert.instanceOf(e.value, SecretDecodeError)
          }
        })
    )
  }
})
