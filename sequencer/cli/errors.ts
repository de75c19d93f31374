/**
 * How the CLI fails. A command line or configuration the CLI cannot act on is a UsageError and exits 2
 * (as a parsing error of commander does); a command that ran and failed (refused, unreachable, timed
 * out) exits 1.
 */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line or the environment is wrong: nothing was signed or sent. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The command was understood and refused before anything was sent (wrong signer, wrong registrar). */
export class RefusedError extends Error {
  override readonly name = "RefusedError";
}
