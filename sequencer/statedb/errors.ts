/** Failures of the state database a caller can act on. */

/** A version that was pruned, truncated or never committed. */
export class VersionUnavailableError extends Error {
  override name = "VersionUnavailableError";
  constructor(
    readonly version: number,
    readonly oldest: number,
    readonly latest: number,
  ) {
    super(`state version ${version} is not available (versions ${oldest}..${latest} are)`);
  }
}

/** The store lacks a page a version needs, or holds bytes that are not a page: the directory is damaged. */
export class StateCorruptionError extends Error {
  override name = "StateCorruptionError";
}

/** A write to the store failed: the in-memory state is ahead of the disk, so the process must reopen it. */
export class StateWriteFailedError extends Error {
  override name = "StateWriteFailedError";
}

/**
 * A bulk load's key range holding more entries than it may (they are held in memory until the range is
 * built): keys that are not spread as hashes are (a hostile snapshot), or a bound set too low.
 */
export class BulkLoadRangeError extends RangeError {
  override name = "BulkLoadRangeError";
}

/** An operation that needs an idle store (no commit being written) or a fresh one. */
export class StateBusyError extends Error {
  override name = "StateBusyError";
}
