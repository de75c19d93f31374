/** How far a ledger value is verified (executed, posted on L1, final), with the root that proves it. */
import type { LeafStatus } from "./consent-status.js";
import { LevelSteps } from "./ui.js";
import { countdown, short } from "./words.js";

export function Verification(p: { s: LeafStatus<unknown>; now: number }) {
  const s = p.s;
  return (
    <div class="verification">
      <LevelSteps level={s.level} />
      <small>
        {s.level === "executed" ? "Proof checked against the sequencer's latest root; not on L1 yet." : null}
        {s.level === "posted" ? (
          <>
            Proof checked against L1 batch {s.batch}'s root {short(s.root ?? "")}. {s.finalizesAt ? `Final in ${countdown(s.finalizesAt - p.now)}.` : null}
          </>
        ) : null}
        {s.level === "final" ? (
          <>
            Proof checked against the final root {short(s.root ?? "")} (batch {s.batch}).
          </>
        ) : null}
      </small>
    </div>
  );
}
