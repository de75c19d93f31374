/**
 * The judge fuzzer's dishonest chunks are dishonest for the reason they claim: each kind of invalid
 * transaction it inserts is refused by the transition function with that kind's rejection, after the
 * valid transactions that set it up (so the property "every dishonest chunk is convicted" covers every
 * rejection reason of the protocol, not only the easy ones).
 */
import { expect } from "chai";
import type { RejectReason } from "../../protocol/constants.js";
import { TreeState } from "../../state/access.js";
import { applyTx } from "../../state/transition.js";
import { TEST_REGISTRAR } from "../accounts.js";
import { INVALID_KINDS, type InvalidKind, invalidTransactions } from "./scenario.js";

const SEP = new Uint8Array(32).fill(9);
const T = 1_900_000_000;
const EXPECTED: Record<InvalidKind, RejectReason> = {
  badNonce: "BadNonce",
  highS: "BadSignature",
  sigZeroR: "BadSignature",
  sigRAboveN: "BadSignature",
  sigNoPoint: "BadSignature",
  noConsent: "NoConsent",
  unauthorized: "Unauthorized",
  unauthorizedLog: "Unauthorized",
  unauthorizedVault: "Unauthorized",
  expired: "Expired",
  invalidField: "InvalidField",
  badVersion: "NoConsent",
  categoryMismatch: "CategoryMismatch",
  noPolicy: "NoPolicy",
  noCredential: "NoCredential",
  unauthorizedIssuer: "Unauthorized",
  unauthorizedPolicy: "Unauthorized",
  unauthorizedIssuerRegistry: "Unauthorized",
};

describe("judge fuzzer: invalid transactions of dishonest chunks", () => {
  for (const what of INVALID_KINDS) {
    it(`${what}: the set-up transactions apply and the last is refused as ${EXPECTED[what]}`, () => {
      const state = new TreeState(null);
      const txs = invalidTransactions(null, what, SEP, T);
      const ctx = { domainSeparator: SEP, registrar: TEST_REGISTRAR, timestamp: T };
      txs.slice(0, -1).forEach((stx, i) => expect(applyTx(state, stx, ctx).ok, `set-up transaction ${i}`).to.equal(true));
      const out = applyTx(state, txs.at(-1)!, ctx);
      expect(out.ok).to.equal(false);
      expect(!out.ok && out.reason).to.equal(EXPECTED[what]);
    });
  }
});
