/**
 * The in-memory secrets: names and ARNs, versions, staging labels and their moves, scheduled deletion. Each operation
 * reads the clock once and then changes the state in one synchronous step, so concurrent requests never interleave
 * half-done changes. Values are held `Redacted`, so no accidental log or inspection shows them.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import type { SecretsManagerError } from "../SecretsManagerError.js"
import * as Errors from "./errors.js"
import { maxSecretValueBytes } from "./limits.js"

/** @internal */
export const AWSCURRENT = "AWSCURRENT"
/** @internal */
export const AWSPREVIOUS = "AWSPREVIOUS"

/** @internal */
export type Payload =
  | { readonly _tag: "SecretString"; readonly value: Redacted.Redacted<string> }
  | { readonly _tag: "SecretBinary"; readonly value: Redacted.Redacted<Uint8Array> }

/** @internal */
export const payloadOf = (value: string | Uint8Array): Payload =>
  typeof value === "string"
    ? { _tag: "SecretString", value: Redacted.make(value) }
    : { _tag: "SecretBinary", value: Redacted.make(Uint8Array.from(value)) }

/** @internal */
export interface Tag {
  readonly Key?: string | undefined
  readonly Value?: string | undefined
}

/** @internal */
export interface Version {
  readonly id: string
  readonly payload: Payload
  readonly createdDate: number
  readonly stages: Set<string>
}

/** @internal */
export interface Secret {
  readonly name: string
  readonly arn: string
  readonly description: string | undefined
  readonly tags: ReadonlyArray<Tag>
  readonly createdDate: number
  lastChangedDate: number
  lastAccessedDate: number | undefined
  /** When DeleteSecret was called; set while the secret is scheduled for deletion. */
  deletedDate: number | undefined
  /** When the recovery window ends and the secret is gone for good. */
  deletionDate: number | undefined
  /** In creation order. */
  readonly versions: Map<string, Version>
}

/** @internal */
export interface Filter {
  readonly Key?: string | undefined
  readonly Values?: ReadonlyArray<string> | undefined
}

/** @internal */
export interface Options {
  readonly region: string
  readonly accountId: string
  /** The budget for everything the secrets hold, as `costOf` estimates it. */
  readonly maxStoredBytes: number
  /** AWS's quota of versions per secret. */
  readonly maxVersionsPerSecret: number
}

const DAY = 24 * 60 * 60 * 1000
const suffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const validName = /^[A-Za-z0-9/_+=.@-]{1,512}$/
const filterKeys = new Set(["description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"])

/**
 * The size of a value as AWS bounds it: characters of a `SecretString`, bytes of a `SecretBinary`.
 *
 * @internal
 */
export const valueLength = (payload: Payload): number =>
  payload._tag === "SecretString" ? Redacted.value(payload.value).length : Redacted.value(payload.value).byteLength

const tooLong = () =>
  Errors.validation(
    `1 validation error detected: Value at 'SecretString' or 'SecretBinary' failed to satisfy constraint: Member must have length less than or equal to ${maxSecretValueBytes}`
  )

// What a secret and a version take, estimated: their text and bytes, and a fixed part for the objects around them.
const secretOverhead = 1024
const versionOverhead = 256
const textBytes = (text: string | undefined) => text === undefined ? 0 : Buffer.byteLength(text, "utf8")

const versionCost = (version: { readonly id: string; readonly payload: Payload }): number =>
  versionOverhead + textBytes(version.id) + (version.payload._tag === "SecretString"
    ? textBytes(Redacted.value(version.payload.value))
    : Redacted.value(version.payload.value).length)

const metadataCost = (secret: {
  readonly name: string
  readonly description: string | undefined
  readonly tags: ReadonlyArray<Tag>
}): number =>
  secretOverhead + textBytes(secret.name) + textBytes(secret.description) +
  secret.tags.reduce((total, tag) => total + textBytes(tag.Key) + textBytes(tag.Value), 0)

const costOf = (secret: Secret): number => {
  let total = metadataCost(secret)
  for (const version of secret.versions.values()) total += versionCost(version)
  return total
}

const samePayload = (a: Payload, b: Payload): boolean => {
  if (a._tag === "SecretString" && b._tag === "SecretString") {
    return Redacted.value(a.value) === Redacted.value(b.value)
  }
  if (a._tag === "SecretBinary" && b._tag === "SecretBinary") {
    return Buffer.from(Redacted.value(a.value)).equals(Buffer.from(Redacted.value(b.value)))
  }
  return false
}

/** @internal */
export const versionWithStage = (secret: Secret, stage: string): Version | undefined => {
  for (const version of secret.versions.values()) if (version.stages.has(stage)) return version
  return undefined
}

/**
 * Attaches `stage` to `version`, taking it off whichever version had it. Moving `AWSCURRENT` puts `AWSPREVIOUS` on the
 * version that was current, as AWS does.
 */
const attachStage = (secret: Secret, stage: string, version: Version): void => {
  const holder = versionWithStage(secret, stage)
  if (holder === version) return
  holder?.stages.delete(stage)
  version.stages.add(stage)
  if (stage === AWSCURRENT && holder !== undefined) {
    for (const other of secret.versions.values()) other.stages.delete(AWSPREVIOUS)
    holder.stages.add(AWSPREVIOUS)
  }
}

/** @internal */
export const stagesByVersion = (secret: Secret): Record<string, Array<string>> => {
  // Versions without a label are deprecated: AWS leaves them out of this map.
  const result: Record<string, Array<string>> = {}
  for (const version of secret.versions.values()) {
    if (version.stages.size > 0) result[version.id] = [...version.stages]
  }
  return result
}

const matchesFilter = (secret: Secret, filter: Filter): boolean => {
  const key = filter.Key ?? "all"
  const candidates = (): ReadonlyArray<string> => {
    switch (key) {
      case "name":
        return [secret.name]
      case "description":
        return secret.description === undefined ? [] : [secret.description]
      case "tag-key":
        return secret.tags.flatMap((tag) => tag.Key === undefined ? [] : [tag.Key])
      case "tag-value":
        return secret.tags.flatMap((tag) => tag.Value === undefined ? [] : [tag.Value])
      case "all":
        return [
          secret.name,
          ...(secret.description === undefined ? [] : [secret.description]),
          ...secret.tags.flatMap((tag) => [tag.Key, tag.Value].filter((s): s is string => s !== undefined))
        ]
      default:
        // primary-region and owning-service: a local secret is never replicated nor owned by another service.
        return []
    }
  }
  const values = candidates()
  const positive = (filter.Values ?? []).filter((value) => !value.startsWith("!"))
  const negative = (filter.Values ?? []).filter((value) => value.startsWith("!")).map((value) => value.slice(1))
  // Prefix matches, case-sensitive, as AWS documents for the name filter; a leading "!" negates a value.
  const hit = (prefix: string) => values.some((value) => value.startsWith(prefix))
  return (positive.length === 0 || positive.some(hit)) && !negative.some(hit)
}

/**
 * A fresh, empty state. It belongs to one server alone.
 *
 * @internal
 */
export const make = (options: Options) => {
  const secrets = new Map<string, Secret>()
  // What the secrets hold, as `costOf` estimates it: never more than `maxStoredBytes`.
  let stored = 0

  const forget = (secret: Secret) => {
    secrets.delete(secret.name)
    stored -= costOf(secret)
  }

  const purgeExpired = (now: number) => {
    for (const secret of secrets.values()) {
      if (secret.deletionDate !== undefined && secret.deletionDate <= now) forget(secret)
    }
  }

  const fits = (cost: number) => stored + cost <= options.maxStoredBytes

  const lookup = (secretId: string): Secret | undefined => {
    const byName = secrets.get(secretId)
    if (byName !== undefined) return byName
    if (!secretId.startsWith("arn:")) return undefined
    // A full ARN first: "db-AbCdEf" names db's full ARN and also the partial ARN of a secret named "db-AbCdEf".
    for (const secret of secrets.values()) if (secret.arn === secretId) return secret
    // Then a partial one: the ARN without its "-" and six random characters.
    for (const secret of secrets.values()) if (secret.arn.slice(0, -7) === secretId) return secret
    return undefined
  }

  const find = (secretId: string, now: number): Secret | SecretsManagerError => {
    purgeExpired(now)
    return lookup(secretId) ?? Errors.secretNotFound()
  }

  const findActive = (secretId: string, now: number): Secret | SecretsManagerError => {
    const secret = find(secretId, now)
    if (secret instanceof Error) return secret
    return secret.deletedDate === undefined ? secret : Errors.markedForDeletion()
  }

  // Read the clock once, then change the state in one synchronous step.
  const atomically = <A>(
    f: (now: number) => A | SecretsManagerError
  ): Effect.Effect<Exclude<A, SecretsManagerError>, SecretsManagerError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const result = f(now)
      return result instanceof Error
        ? Effect.fail(result as SecretsManagerError)
        : Effect.succeed(result as Exclude<A, SecretsManagerError>)
    })

  const arnSuffix = Effect.map(
    Effect.all(Array.from({ length: 6 }, () => Random.nextIntBetween(0, suffixAlphabet.length, { halfOpen: true }))),
    (indexes) => indexes.map((i) => suffixAlphabet[i]).join("")
  )

  const create = (input: {
    readonly name: string
    readonly payload: Payload | undefined
    readonly versionId: string | undefined
    readonly description: string | undefined
    readonly tags: ReadonlyArray<Tag> | undefined
  }) =>
    Effect.flatMap(arnSuffix, (suffix) =>
      atomically((now) => {
        if (!validName.test(input.name)) {
          return Errors.invalidParameter(
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
          )
        }
        if (input.payload !== undefined && valueLength(input.payload) > maxSecretValueBytes) return tooLong()
        purgeExpired(now)
        const existing = secrets.get(input.name)
        if (existing !== undefined) {
          if (existing.deletedDate !== undefined) {
            return Errors.invalidRequest(
              "You can't create this secret because a secret with this name is already scheduled for deletion."
            )
          }
          // A retry with the same ClientRequestToken and value is the same request: answer it again.
          const version = input.versionId === undefined ? undefined : existing.versions.get(input.versionId)
          if (version !== undefined && input.payload !== undefined && samePayload(version.payload, input.payload)) {
            return { secret: existing, version }
          }
          return Errors.resourceExists(`The operation failed because the secret ${input.name} already exists.`)
        }
        const secret: Secret = {
          name: input.name,
          arn: `arn:aws:secretsmanager:${options.region}:${options.accountId}:secret:${input.name}-${suffix}`,
          description: input.description,
          tags: input.tags ?? [],
          createdDate: now,
          lastChangedDate: now,
          lastAccessedDate: undefined,
          deletedDate: undefined,
          deletionDate: undefined,
          versions: new Map()
        }
        // Without a value AWS creates the secret with no version at all.
        let version: Version | undefined
        if (input.payload !== undefined) {
          version = {
            id: input.versionId ?? randomUUID(),
            payload: input.payload,
            createdDate: now,
            stages: new Set([AWSCURRENT])
          }
          secret.versions.set(version.id, version)
        }
        const cost = costOf(secret)
        if (!fits(cost)) return Errors.quotaExceeded()
        secrets.set(secret.name, secret)
        stored += cost
        return { secret, version }
      }))

  const getValue = (secretId: string, select: {
    readonly versionId?: string | undefined
    readonly versionStage?: string | undefined
  }) =>
    atomically((now) => {
      const secret = findActive(secretId, now)
      if (secret instanceof Error) return secret
      let version: Version | undefined
      if (select.versionId !== undefined) {
        version = secret.versions.get(select.versionId)
        if (version === undefined) {
          return Errors.resourceNotFound(
            `Secrets Manager can't find the specified secret value for VersionId: ${select.versionId}`
          )
        }
        if (select.versionStage !== undefined && !version.stages.has(select.versionStage)) {
          return Errors.resourceNotFound(
            `Secrets Manager can't find the specified secret value for VersionId: ${select.versionId} and staging label: ${select.versionStage}`
          )
        }
      } else {
        const stage = select.versionStage ?? AWSCURRENT
        version = versionWithStage(secret, stage)
        if (version === undefined) {
          return Errors.resourceNotFound(
            `Secrets Manager can't find the specified secret value for staging label: ${stage}`
          )
        }
      }
      // AWS records the day of the last access, not the instant.
      secret.lastAccessedDate = Math.floor(now / DAY) * DAY
      return { secret, version }
    })

  const put = (secretId: string, input: {
    readonly payload: Payload
    readonly versionId: string | undefined
    readonly stages: ReadonlyArray<string> | undefined
  }) =>
    atomically((now) => {
      const secret = findActive(secretId, now)
      if (secret instanceof Error) return secret
      const versionId = input.versionId ?? randomUUID()
      const existing = secret.versions.get(versionId)
      if (existing !== undefined) {
        // The same ClientRequestToken with the same value is a retry, and is ignored.
        if (samePayload(existing.payload, input.payload)) return { secret, version: existing }
        return Errors.resourceExists("You can't modify an existing version, you can only create a new version.")
      }
      if (valueLength(input.payload) > maxSecretValueBytes) return tooLong()
      const version: Version = { id: versionId, payload: input.payload, createdDate: now, stages: new Set() }
      // At the quota, the oldest deprecated version makes room, as AWS removes outdated versions.
      let pruned: Version | undefined
      if (secret.versions.size >= options.maxVersionsPerSecret) {
        for (const candidate of secret.versions.values()) {
          if (candidate.stages.size === 0) {
            pruned = candidate
            break
          }
        }
        if (pruned === undefined) return Errors.quotaExceeded()
      }
      const cost = versionCost(version) - (pruned === undefined ? 0 : versionCost(pruned))
      if (!fits(cost)) return Errors.quotaExceeded()
      if (pruned !== undefined) secret.versions.delete(pruned.id)
      stored += cost
      secret.versions.set(version.id, version)
      for (const stage of input.stages ?? [AWSCURRENT]) attachStage(secret, stage, version)
      secret.lastChangedDate = now
      return { secret, version }
    })

  const updateStage = (secretId: string, input: {
    readonly stage: string
    readonly moveToVersionId: string | undefined
    readonly removeFromVersionId: string | undefined
  }) =>
    atomically((now) => {
      const secret = findActive(secretId, now)
      if (secret instanceof Error) return secret
      const { moveToVersionId, removeFromVersionId, stage } = input
      const versionOf = (id: string) =>
        secret.versions.get(id) ??
          Errors.resourceNotFound(`Secrets Manager can't find the specified secret version: ${id}`)
      const target = moveToVersionId === undefined ? undefined : versionOf(moveToVersionId)
      if (target instanceof Error) return target
      const source = removeFromVersionId === undefined ? undefined : versionOf(removeFromVersionId)
      if (source instanceof Error) return source
      const holder = versionWithStage(secret, stage)
      if (source !== undefined && !source.stages.has(stage)) {
        return Errors.invalidParameter(
          `The staging label ${stage} is not attached to version ${removeFromVersionId}, so you can't remove it from that version.`
        )
      }
      if (target === undefined) {
        if (source === undefined) {
          return Errors.invalidParameter("You must specify MoveToVersionId, RemoveFromVersionId, or both.")
        }
        if (stage === AWSCURRENT) {
          return Errors.invalidParameter(
            "You can't remove the staging label AWSCURRENT from a version; move it to another version instead."
          )
        }
        source.stages.delete(stage)
      } else {
        if (holder !== undefined && holder !== target && source === undefined) {
          return Errors.invalidParameter(
            `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`
          )
        }
        attachStage(secret, stage, target)
      }
      secret.lastChangedDate = now
      return secret
    })

  const describe = (secretId: string) => atomically((now) => find(secretId, now))

  const list = (input: {
    readonly includePlannedDeletion: boolean
    readonly filters: ReadonlyArray<Filter>
    readonly sortOrder: "asc" | "desc"
  }) =>
    atomically((now): ReadonlyArray<Secret> | SecretsManagerError => {
      for (const filter of input.filters) {
        if (filter.Key !== undefined && !filterKeys.has(filter.Key)) {
          return Errors.invalidParameter(`Invalid filter key: ${filter.Key}`)
        }
      }
      purgeExpired(now)
      const found = [...secrets.values()].filter((secret) =>
        (input.includePlannedDeletion || secret.deletedDate === undefined) &&
        input.filters.every((filter) => matchesFilter(secret, filter))
      )
      // Listed by CreatedDate, as AWS does; the name breaks ties so pages are stable.
      found.sort((a, b) => a.createdDate - b.createdDate || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      return input.sortOrder === "desc" ? found.reverse() : found
    })

  const remove = (secretId: string, input: {
    readonly recoveryWindowInDays: number | undefined
    readonly force: boolean
  }) =>
    atomically((now) => {
      const secret = find(secretId, now)
      if (secret instanceof Error) return secret
      if (input.force && input.recoveryWindowInDays !== undefined) {
        return Errors.invalidParameter(
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
        )
      }
      if (input.force) {
        forget(secret)
        return { secret, deletionDate: now }
      }
      if (secret.deletedDate !== undefined) {
        return Errors.invalidRequest(
          "You can't perform this operation on the secret because it was already scheduled for deletion."
        )
      }
      const days = input.recoveryWindowInDays ?? 30
      if (!Number.isInteger(days) || days < 7 || days > 30) {
        return Errors.invalidParameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
      }
      secret.deletedDate = now
      secret.deletionDate = now + days * DAY
      secret.lastChangedDate = now
      return { secret, deletionDate: secret.deletionDate }
    })

  const restore = (secretId: string) =>
    atomically((now) => {
      const secret = find(secretId, now)
      if (secret instanceof Error) return secret
      secret.deletedDate = undefined
      secret.deletionDate = undefined
      secret.lastChangedDate = now
      return secret
    })

  /** The secret an id names, if any, without failing: for matching faults to a secret by name or ARN. */
  const resolve = (secretId: string): Secret | undefined => lookup(secretId)

  return { create, getValue, put, updateStage, describe, list, remove, restore, resolve } as const
}

/** @internal */
export type State = ReturnType<typeof make>
