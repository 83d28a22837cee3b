/**
 * Predicates that tell an authentication failure from any other, for `SecretsService.withSecret`'s `isAuthFailure`.
 * They look at the error and at its `cause` chain, so they work on a driver's error and on one wrapped by Effect
 * (`SqlError`, `UnknownException`, ...).
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"

// Walks the error and its causes (bounded: a cause chain can be cyclic).
const anyInChain = (error: unknown, test: (error: object) => boolean): boolean => {
  let current: unknown = error
  for (let depth = 0; depth < 8 && Predicate.isObject(current); depth++) {
    if (test(current)) return true
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return false
}

/**
 * PostgreSQL rejected the login: SQLSTATE `28P01` (invalid_password) or `28000` (invalid_authorization_specification,
 * e.g. no pg_hba.conf entry for the role), as `pg` and `postgres` report them in `code`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isPostgresAuthFailure = (error: unknown): boolean =>
  anyInChain(error, (e) => Predicate.hasProperty(e, "code") && (e.code === "28P01" || e.code === "28000"))

/**
 * MySQL rejected the login: error 1045 (`ER_ACCESS_DENIED_ERROR`), as `mysql2` reports it in `errno` or `code`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isMySqlAuthFailure = (error: unknown): boolean =>
  anyInChain(
    error,
    (e) =>
      (Predicate.hasProperty(e, "errno") && e.errno === 1045) ||
      (Predicate.hasProperty(e, "code") && e.code === "ER_ACCESS_DENIED_ERROR")
  )
