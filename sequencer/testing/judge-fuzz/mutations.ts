/**
 * The judge fuzzer's mutations: every field of a proveFraud call an attacker controls, changed while the
 * call stays valid ABI. Each has a stable name (counterexamples say which one found them). Against any
 * leaf, honest or not, exactly one call is accepted (the protocol gives every proof one valid form), so
 * every mutation that changes the call must be refused. Pure; for tests only.
 */
import type { Hex } from "viem";
import { fromHex, toHex, type Word, ZERO_WORD } from "../../protocol/bytes.js";
import { FRAUD_KIND } from "../../prove/judge.js";
import type { ProveFraudCall } from "../../prove/judge-proof.js";
import type { Witness } from "../../state/access.js";
import type { SmtProof } from "../../state/proof.js";
import { witnessFromAbi, witnessToAbi } from "../../state/witness-codec.js";
import { clearLevels, hasNeighbour, setLevels, withoutSiblingAt, withSiblingAt } from "../witness-forgery.js";

/** What a mutation may draw on: randomness, and facts about the leaf's accesses an attacker knows. */
export interface MutationContext {
  /** uniform in [0, 1) */
  random: () => number;
  /** per access, the canonical proof with the neighbour preimage filled in (what a delete would carry) */
  neighbourProofs: SmtProof[];
  /** preimages of values the attacker knows (value word hex -> preimage) */
  knownPreimages: Map<Hex, Uint8Array>;
}

export interface Mutation {
  name: string;
  /** the witness it edits, for witness mutations */
  witness?: number;
  apply: (call: ProveFraudCall, ctx: MutationContext) => ProveFraudCall | null;
}

const randomWord = (ctx: MutationContext): Word => {
  const w = new Uint8Array(32);
  for (let i = 0; i < 32; i++) w[i] = Math.floor(ctx.random() * 256);
  w[0]! |= 1; // never the zero word
  return w;
};
const flipBit = (w: Word, bit: number): Word => {
  const c = w.slice();
  c[bit >> 3]! ^= 0x80 >> (bit & 7);
  return c;
};
const isZero = (w: Uint8Array) => w.every((b) => b === 0);

/** A mutation of witness `i`'s proof (null when it does not apply to that witness). */
type ProofEdit = (p: SmtProof, ctx: MutationContext, i: number) => SmtProof | null;
type WitnessEdit = (w: Witness, ctx: MutationContext, i: number) => Witness | null;

const PROOF_EDITS: Record<string, ProofEdit> = {
  "depth+1": (p) => (p.depth < 256 ? { ...p, depth: p.depth + 1 } : null),
  "depth-1": (p) => (p.depth > 0 ? { ...p, depth: p.depth - 1, bitmap: p.bitmap & ((1n << BigInt(p.depth - 1)) - 1n) } : null),
  "depth=257": (p) => ({ ...p, depth: 257 }),
  "bitmap: bit at the path's end": (p) => (p.depth < 256 ? { ...p, bitmap: p.bitmap | (1n << BigInt(p.depth)) } : null),
  "sibling: zeroed": (p, c) => {
    if (p.siblings.length === 0) return null;
    const j = Math.floor(c.random() * p.siblings.length);
    return { ...p, siblings: p.siblings.map((s, k) => (k === j ? ZERO_WORD : s)) };
  },
  "sibling: replaced": (p, c) => {
    if (p.siblings.length === 0) return null;
    const j = Math.floor(c.random() * p.siblings.length);
    return { ...p, siblings: p.siblings.map((s, k) => (k === j ? randomWord(c) : s)) };
  },
  "sibling: two swapped": (p, c) => {
    if (p.siblings.length < 2) return null;
    const j = Math.floor(c.random() * (p.siblings.length - 1));
    const s = p.siblings.slice();
    [s[j], s[j + 1]] = [s[j + 1]!, s[j]!];
    return { ...p, siblings: s };
  },
  "siblings: one appended": (p, c) => ({ ...p, siblings: [...p.siblings, randomWord(c)] }),
  "siblings: one prepended": (p, c) => ({ ...p, siblings: [randomWord(c), ...p.siblings] }),
  "siblings: the last dropped": (p) => (p.siblings.length > 0 ? { ...p, siblings: p.siblings.slice(0, -1) } : null),
  "terminal: key replaced": (p, c) => ({ ...p, leafKey: randomWord(c) }),
  "terminal: key bit flipped on the path": (p, c) =>
    p.depth > 0 && !isZero(p.leafValue) ? { ...p, leafKey: flipBit(p.leafKey, Math.floor(c.random() * p.depth)) } : null,
  "terminal: key bit flipped below the path": (p, c) =>
    p.depth < 255 && !isZero(p.leafValue) ? { ...p, leafKey: flipBit(p.leafKey, p.depth + Math.floor(c.random() * (256 - p.depth))) } : null,
  "terminal: value replaced": (p, c) => ({ ...p, leafValue: randomWord(c) }),
  "terminal: value zeroed": (p) => (isZero(p.leafValue) ? null : { ...p, leafValue: ZERO_WORD }),
  "terminal: emptied": (p) => (isZero(p.leafValue) ? null : { ...p, leafValue: ZERO_WORD, leafKey: ZERO_WORD }),
  "neighbour: leaf flag flipped": (p) => ({ ...p, neighbourIsLeaf: !p.neighbourIsLeaf }),
  "neighbour: A replaced": (p, c) => ({ ...p, neighbourA: randomWord(c) }),
  "neighbour: B replaced": (p, c) => ({ ...p, neighbourB: randomWord(c) }),
  "neighbour: removed": (p) => (hasNeighbour(p) ? { ...p, neighbourIsLeaf: false, neighbourA: ZERO_WORD, neighbourB: ZERO_WORD } : null),
  "neighbour: the true preimage added to an access that does not delete": (p, c, i) => {
    const full = c.neighbourProofs[i];
    if (full === undefined || hasNeighbour(p) || !hasNeighbour(full)) return null;
    return { ...p, neighbourIsLeaf: full.neighbourIsLeaf, neighbourA: full.neighbourA, neighbourB: full.neighbourB };
  },
};

const WITNESS_EDITS: Record<string, WitnessEdit> = {
  "preimage: random bytes added": (w, c) => (w.preimage.length === 0 ? { ...w, preimage: randomWord(c) } : null),
  "preimage: a known preimage of the value added": (w, c) => {
    const pre = c.knownPreimages.get(toHex(w.proof.leafValue));
    return pre !== undefined && w.preimage.length === 0 ? { ...w, preimage: pre } : null;
  },
  "preimage: removed": (w) => (w.preimage.length > 0 ? { ...w, preimage: new Uint8Array(0) } : null),
  "preimage: cut by a byte": (w) => (w.preimage.length > 0 ? { ...w, preimage: w.preimage.slice(0, -1) } : null),
  "preimage: a byte flipped": (w, c) => {
    if (w.preimage.length === 0) return null;
    const p = w.preimage.slice();
    p[Math.floor(c.random() * p.length)]! ^= 1;
    return { ...w, preimage: p };
  },
  "preimage: an 89-byte preimage on an absent key": (w) =>
    isZero(w.proof.leafValue) && w.preimage.length === 0 ? { ...w, preimage: new Uint8Array(89) } : null,
};

const withWitnesses = (call: ProveFraudCall, ws: Witness[]): ProveFraudCall => ({ ...call, witnesses: ws.map(witnessToAbi) });
const hex = (w: Word) => toHex(w);

/**
 * Edits of one bitmap level, one mutation per level they apply to: the honest-revocation attack works
 * only at the levels a neighbour rises through, so every level is tried rather than a random one.
 */
const LEVEL_EDITS: Record<string, { clear: boolean; edit: (p: SmtProof, level: number, ctx: MutationContext) => SmtProof }> = {
  "a clear bit set, no sibling added": { clear: true, edit: (p, l) => ({ ...p, bitmap: p.bitmap | (1n << BigInt(l)) }) },
  "a clear bit set with a zero sibling": { clear: true, edit: (p, l) => withSiblingAt(p, l, ZERO_WORD) },
  "a clear bit set with a random sibling": { clear: true, edit: (p, l, c) => withSiblingAt(p, l, randomWord(c)) },
  "a set bit cleared, sibling kept": { clear: false, edit: (p, l) => ({ ...p, bitmap: p.bitmap & ~(1n << BigInt(l)) }) },
  "a set bit cleared with its sibling": { clear: false, edit: (p, l) => withoutSiblingAt(p, l) },
};

/** Mutations of witness `i` (one per proof edit and witness edit, and per level for level edits). */
export function witnessMutations(i: number, proof: SmtProof): Mutation[] {
  const out: Mutation[] = [];
  for (const [name, { clear, edit }] of Object.entries(LEVEL_EDITS)) {
    for (const level of clear ? clearLevels(proof) : setLevels(proof)) {
      out.push({
        name: `witness ${i}: bitmap level ${level}: ${name}`,
        witness: i,
        apply: (call, ctx) => {
          const ws = call.witnesses.map(witnessFromAbi);
          return withWitnesses(
            call,
            ws.map((w, j) => (j === i ? { ...w, proof: edit(w.proof, level, ctx) } : w)),
          );
        },
      });
    }
  }
  for (const [name, edit] of Object.entries(PROOF_EDITS)) {
    out.push({
      name: `witness ${i}: ${name}`,
      witness: i,
      apply: (call, ctx) => {
        const ws = call.witnesses.map(witnessFromAbi);
        const p = edit(ws[i]!.proof, ctx, i);
        return p === null
          ? null
          : withWitnesses(
              call,
              ws.map((w, j) => (j === i ? { ...w, proof: p } : w)),
            );
      },
    });
  }
  for (const [name, edit] of Object.entries(WITNESS_EDITS)) {
    out.push({
      name: `witness ${i}: ${name}`,
      witness: i,
      apply: (call, ctx) => {
        const ws = call.witnesses.map(witnessFromAbi);
        const w = edit(ws[i]!, ctx, i);
        return w === null
          ? null
          : withWitnesses(
              call,
              ws.map((x, j) => (j === i ? w : x)),
            );
      },
    });
  }
  return out;
}

/** Mutations of the witness list, the chunk, the header, txIndex and the claim. */
export const CALL_MUTATIONS: Mutation[] = [
  { name: "witnesses: the last dropped", apply: (c) => (c.witnesses.length > 0 ? { ...c, witnesses: c.witnesses.slice(0, -1) } : null) },
  { name: "witnesses: the first dropped", apply: (c) => (c.witnesses.length > 1 ? { ...c, witnesses: c.witnesses.slice(1) } : null) },
  { name: "witnesses: the last repeated", apply: (c) => (c.witnesses.length > 0 ? { ...c, witnesses: [...c.witnesses, c.witnesses.at(-1)!] } : null) },
  {
    name: "witnesses: two swapped",
    apply: (c, ctx) => {
      if (c.witnesses.length < 2) return null;
      const j = Math.floor(ctx.random() * (c.witnesses.length - 1));
      const ws = c.witnesses.slice();
      [ws[j], ws[j + 1]] = [ws[j + 1]!, ws[j]!];
      return { ...c, witnesses: ws };
    },
  },
  {
    name: "witnesses: an empty-state witness appended",
    apply: (c) => ({
      ...c,
      witnesses: [
        ...c.witnesses,
        witnessToAbi({
          proof: {
            depth: 0,
            bitmap: 0n,
            siblings: [],
            leafKey: ZERO_WORD,
            leafValue: ZERO_WORD,
            neighbourIsLeaf: false,
            neighbourA: ZERO_WORD,
            neighbourB: ZERO_WORD,
          },
          preimage: new Uint8Array(0),
        }),
      ],
    }),
  },
  {
    name: "chunk: a body byte flipped",
    apply: (c, ctx) => {
      const b = fromHex(c.chunk.body);
      b[Math.floor(ctx.random() * b.length)]! ^= 1 << Math.floor(ctx.random() * 8);
      return { ...c, chunk: { ...c.chunk, body: toHex(b) } };
    },
  },
  { name: "chunk: a byte appended to the body", apply: (c) => ({ ...c, chunk: { ...c.chunk, body: `${c.chunk.body}00` as Hex } }) },
  {
    name: "chunk: the body's last byte dropped",
    apply: (c) => (c.chunk.body.length > 4 ? { ...c, chunk: { ...c.chunk, body: c.chunk.body.slice(0, -2) as Hex } } : null),
  },
  { name: "chunk: pre-root replaced", apply: (c, ctx) => ({ ...c, chunk: { ...c.chunk, preRoot: hex(randomWord(ctx)) } }) },
  { name: "chunk: post-root replaced", apply: (c, ctx) => ({ ...c, chunk: { ...c.chunk, postRoot: hex(randomWord(ctx)) } }) },
  {
    name: "chunk: post-root set to the pre-root",
    apply: (c) => (c.chunk.postRoot === c.chunk.preRoot ? null : { ...c, chunk: { ...c.chunk, postRoot: c.chunk.preRoot } }),
  },
  {
    name: "chunk: a path sibling replaced",
    apply: (c, ctx) => {
      if (c.chunk.path.length === 0) return null;
      const j = Math.floor(ctx.random() * c.chunk.path.length);
      return { ...c, chunk: { ...c.chunk, path: c.chunk.path.map((p, k) => (k === j ? hex(randomWord(ctx)) : p)) } };
    },
  },
  { name: "chunk: a zero sibling appended to the path", apply: (c) => ({ ...c, chunk: { ...c.chunk, path: [...c.chunk.path, hex(ZERO_WORD)] } }) },
  {
    name: "chunk: the path's last sibling dropped",
    apply: (c) => (c.chunk.path.length > 0 ? { ...c, chunk: { ...c.chunk, path: c.chunk.path.slice(0, -1) } } : null),
  },
  { name: "chunk: index + 1", apply: (c) => ({ ...c, chunk: { ...c.chunk, index: c.chunk.index + 1 } }) },
  { name: "chunk: index - 1", apply: (c) => (c.chunk.index > 0 ? { ...c, chunk: { ...c.chunk, index: c.chunk.index - 1 } } : null) },
  {
    name: "chunk: index = leaf count",
    apply: (c) => (c.chunk.index === c.header.chunkCount ? null : { ...c, chunk: { ...c.chunk, index: c.header.chunkCount } }),
  },
  { name: "header: index + 1", apply: (c) => ({ ...c, header: { ...c.header, index: c.header.index + 1n } }) },
  { name: "header: index - 1", apply: (c) => (c.header.index > 0n ? { ...c, header: { ...c.header, index: c.header.index - 1n } } : null) },
  { name: "header: prevRoot replaced", apply: (c, ctx) => ({ ...c, header: { ...c.header, prevRoot: hex(randomWord(ctx)) } }) },
  { name: "header: postRoot replaced", apply: (c, ctx) => ({ ...c, header: { ...c.header, postRoot: hex(randomWord(ctx)) } }) },
  { name: "header: dataRoot replaced", apply: (c, ctx) => ({ ...c, header: { ...c.header, dataRoot: hex(randomWord(ctx)) } }) },
  { name: "header: chunkCount + 1", apply: (c) => ({ ...c, header: { ...c.header, chunkCount: c.header.chunkCount + 1 } }) },
  {
    name: "header: forcedCount changed",
    apply: (c) => ({ ...c, header: { ...c.header, forcedCount: c.header.forcedCount === 0 ? 1 : c.header.forcedCount - 1 } }),
  },
  { name: "header: inboxStart + 1", apply: (c) => ({ ...c, header: { ...c.header, inboxStart: c.header.inboxStart + 1n } }) },
  { name: "header: timestamp - 1", apply: (c) => ({ ...c, header: { ...c.header, timestamp: c.header.timestamp - 1n } }) },
  { name: "header: l1Block + 1", apply: (c) => ({ ...c, header: { ...c.header, l1Block: c.header.l1Block + 1n } }) },
  { name: "txIndex + 1", apply: (c) => ({ ...c, txIndex: c.txIndex + 1 }) },
  { name: "txIndex - 1", apply: (c) => (c.txIndex > 0 ? { ...c, txIndex: c.txIndex - 1 } : null) },
  { name: "txIndex = 255", apply: (c) => (c.txIndex === 255 ? null : { ...c, txIndex: 255 }) },
  ...Object.values(FRAUD_KIND).map((k) => ({ name: `claim: kind ${k}`, apply: (c: ProveFraudCall) => (c.claimed === k ? null : { ...c, claimed: k }) })),
];

/** Every mutation of a call. */
export function allMutations(call: ProveFraudCall): Mutation[] {
  const out = [...CALL_MUTATIONS];
  call.witnesses.forEach((w, i) => out.push(...witnessMutations(i, witnessFromAbi(w).proof)));
  return out;
}

/** A stable text of a call, to skip mutations that changed nothing. */
export function callKey(c: ProveFraudCall): string {
  return JSON.stringify(c, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
}
