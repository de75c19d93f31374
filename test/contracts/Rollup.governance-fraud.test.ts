/**
 * Fraud proofs over the governance transactions (docs/protocol.md section 13) through Rollup.proveFraud:
 * a batch that includes a request without a policy or a credential, a credential issued by an account
 * the registrar never registered, or a break-glass whose grant was left out of the posted root, is
 * convicted and its proposer slashed; an honest batch of requests and break-glass is not.
 */
import { expect } from "chai";
import { type Hex, parseEventLogs } from "viem";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import type { Word } from "../../sequencer/protocol/bytes.js";
import { toHex, wordFromBigint } from "../../sequencer/protocol/bytes.js";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { EMERGENCY_ROLE, REJECT } from "../../sequencer/protocol/constants.js";
import type { SignedTx } from "../../sequencer/protocol/types.js";
import { claimAgainstLeaf } from "../../sequencer/prove/fraud-proof.js";
import { Actors, type Unsigned } from "../../sequencer/testing/actors.js";
import { deployRollup, type Deployed, l1Now, leafOf, prove, submit } from "../../sequencer/testing/rollup-fixture.js";
import { expectRevert } from "../support/revert.js";

const DAY = 86_400;
const SPECIALIST = 3;
const ORG: Hex = toHex(wordFromBigint(0xc17en));

describe("Rollup: fraud proofs over credentials, policies, requests and break-glass", () => {
  let d: Deployed;
  let a: Actors;
  let now: number;
  const issue = (subject: string, role: number): Unsigned => ({
    type: "IssueCredential",
    subject: a.addr(subject),
    role,
    organisation: ORG,
    expiry: now + 90 * DAY,
  });
  const request = (patient: string, policyId = 1): Unsigned => ({ type: "RequestAccess", patient: a.addr(patient), policyId, organisation: ORG });
  const breakGlass = (patient: string): Unsigned => ({
    type: "BreakGlass",
    patient: a.addr(patient),
    issuer: a.addr("board"),
    organisation: ORG,
    categories: 0b10,
  });

  beforeEach(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
    now = await l1Now(d);
    const setup = d.l2.assemble(now, [
      a.sign("registrar", { type: "RegisterIssuer", issuer: a.addr("board"), expiry: now + 365 * DAY }),
      a.sign("board", issue("specialist", SPECIALIST)),
      a.sign("board", issue("medic", EMERGENCY_ROLE)),
      a.sign("alice", {
        type: "SetPolicy",
        patient: a.addr("alice"),
        policyId: 1,
        issuer: a.addr("board"),
        role: SPECIALIST,
        access: 1,
        categories: 0b10,
        duration: 7 * DAY,
      }),
    ]);
    expect(setup.dropped, "the set-up is valid").to.equal(0);
    await submit(d, { data: setup.data, timestamp: now });
    d.l2.adopt(setup);
  });

  /** Post `txs` as one chunk claiming `postRoot` (default: the pre-root; an invalid transaction is fraud whatever the root). */
  async function postChunk(txs: SignedTx[], postRoot: Word = d.l2.state.rootHash) {
    return submit(d, { data: { forcedPostRoots: [], chunks: [{ postRoot, body: encodeChunkBody(txs) }] }, timestamp: now });
  }

  async function convicted(txs: SignedTx[], kind: "RuleViolation" | "InvalidSignature" | "WrongRoot", postRoot?: Word) {
    const bad = await postChunk(txs, postRoot);
    const proof = d.l2.check(bad);
    expect(proof, "the challenger finds the fraud").to.not.equal(null);
    expect(proof!.kind).to.equal(kind);
    const receipt = await prove(d, proof!);
    expect(await d.rollup.read.batchCount(), "the batch is reverted").to.equal(1n);
    expect((await d.bondManager.read.bondOf([d.proposer.account.address])).amount, "the proposer is slashed").to.equal(0n);
    const [fraud] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "FraudProven" });
    return { proof: proof!, code: fraud!.args.code, txIndex: fraud!.args.txIndex };
  }

  it("convicts a request by an account without the policy's credential (NoCredential)", async () => {
    const c = await convicted([a.sign("specialist", request("alice")), a.sign("mallory", request("alice"))], "RuleViolation");
    expect([c.code, c.txIndex]).to.deep.equal([REJECT.NoCredential, 1]);
    // nonce, policy, issuer, credential, consent of the granted request; nonce, policy, issuer, credential of the refused one
    expect(c.proof.witnesses).to.have.length(9);
  });

  it("convicts a request naming a policy the patient never set (NoPolicy)", async () => {
    const c = await convicted([a.sign("specialist", request("alice", 2))], "RuleViolation", d.l2.state.rootHash);
    expect(c.code).to.equal(REJECT.NoPolicy);
  });

  it("convicts a credential issued by an account the registrar never registered (Unauthorized)", async () => {
    expect((await convicted([a.sign("quack", issue("specialist", SPECIALIST))], "InvalidSignature")).code).to.equal(REJECT.Unauthorized);
  });

  it("convicts a break-glass by an account without the emergency role (NoCredential)", async () => {
    expect((await convicted([a.sign("specialist", breakGlass("alice"))], "RuleViolation")).code).to.equal(REJECT.NoCredential);
  });

  it("convicts a proposer who posts an honest break-glass as if it granted nothing (WrongRoot)", async () => {
    await convicted([a.sign("medic", breakGlass("alice"))], "WrongRoot", d.l2.state.rootHash);
  });

  it("cannot convict an honest batch of a request, a break-glass and the patient's revocation", async () => {
    const b = d.l2.assemble(now, [
      a.sign("specialist", request("alice")),
      a.sign("medic", breakGlass("alice")),
      a.sign("alice", { type: "RevokeConsent", grantee: a.addr("medic") }),
    ]);
    expect(b.dropped).to.equal(0);
    const posted = await submit(d, { data: b.data, timestamp: now });
    d.l2.adopt(b);
    expect(d.l2.check(posted)).to.equal(null);
    const leaf = leafOf(d, posted, 0);
    await expectRevert(prove(d, claimAgainstLeaf(leaf, "WrongRoot")), "ChunkRootCorrect", [posted.header.postRoot]);
    await expectRevert(prove(d, claimAgainstLeaf(leaf, "RuleViolation", 0)), "TransactionsValid");
    await expectRevert(prove(d, claimAgainstLeaf(leaf, "InvalidSignature", 1)), "TransactionsValid");
    expect(await d.rollup.read.batchCount()).to.equal(2n);
  });
});
