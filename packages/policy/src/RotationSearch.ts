/**
 * `withSecret`'s search for the credential that works now, after the work failed authentication: refresh (forced,
 * rate-limited), try the refreshed version unless it already failed, try `AWSPENDING` (a single-user rotation between
 * setSecret and finishSecret), then wait with backoff and go round again until the budget is spent.
 *
 * The runtime runs the refreshes, the tries and the waits; this decides which version is worth a try and how long
 * to wait, or whether to give up.
 *
 * @since 0.2.0
 */

/**
 * How long to wait for a rotation, in nanoseconds: `base` doubling up to `max`, at most `budget` in all. A zero `base`
 * or `budget` means "do not wait": one round, then give up.
 *
 * @since 0.2.0
 * @category models
 */
export interface WaitSchedule {
  readonly base: number
  readonly max: number
  readonly budget: number
}

/**
 * What to do after a round found nothing that works.
 *
 * @since 0.2.0
 * @category models
 */
export type NextRound =
  | { readonly _tag: "Wait"; readonly delay: number }
  | { readonly _tag: "GiveUp" }

// Below a millisecond a sleep is a spin.
const shortest = 1e6

/**
 * One search: the versions known to fail, and the waits so far.
 *
 * @since 0.2.0
 * @category policy
 */
export class RotationSearch {
  private readonly failed: Set<string>
  private waited = 0
  private delay: number

  /** `refused`: the versions the work already failed with. */
  constructor(private readonly schedule: WaitSchedule, refused: Iterable<string>) {
    this.failed = new Set(refused)
    this.delay = Math.max(schedule.base, shortest)
  }

  /** Whether a version is worth a try: one that failed authentication is not tried again. */
  worthTrying(versionId: string): boolean {
    return !this.failed.has(versionId)
  }

  /** The work failed authentication with this version. */
  refused(versionId: string): void {
    this.failed.add(versionId)
  }

  /** After a round with nothing that works: wait (doubling, up to `max`) while the budget allows, else give up. */
  next(): NextRound {
    // Waiting in steps of nothing would spin through the budget: a zero step or budget means "do not wait".
    const budget = this.schedule.base === 0 ? 0 : this.schedule.budget
    if (this.waited + this.delay > budget) return { _tag: "GiveUp" }
    const delay = this.delay
    this.waited += delay
    this.delay = Math.min(delay * 2, Math.max(this.schedule.max, shortest))
    return { _tag: "Wait", delay }
  }
}
