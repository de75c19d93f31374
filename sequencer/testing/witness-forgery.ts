/**
 * Forging witnesses: the edits an attacker can make to an honest state-tree witness while keeping it
 * well-formed ABI. Used by the forged-witness vectors (forged-vectors.ts) and the judge fuzzer
 * (judge-fuzz/), which check that the verifier refuses every one of them. For tests only.
 */
import type { Word } from "../protocol/bytes.js";
import type { Witness } from "../state/access.js";
import type { SmtProof } from "../state/proof.js";

/** Position in `siblings` (root level first) of the sibling at `level`: the set bits below it. */
export function siblingPosition(p: SmtProof, level: number): number {
  let n = 0;
  for (let l = 0; l < level; l++) if (((p.bitmap >> BigInt(l)) & 1n) === 1n) n++;
  return n;
}

export function hasBit(p: SmtProof, level: number): boolean {
  return ((p.bitmap >> BigInt(level)) & 1n) === 1n;
}

/** Set bitmap bit `level` (clear in `p`) and insert `sibling` where the list expects it. */
export function withSiblingAt(p: SmtProof, level: number, sibling: Word): SmtProof {
  const at = siblingPosition(p, level);
  return { ...p, bitmap: p.bitmap | (1n << BigInt(level)), siblings: [...p.siblings.slice(0, at), sibling, ...p.siblings.slice(at)] };
}

/** Clear bitmap bit `level` (set in `p`) and drop its sibling. */
export function withoutSiblingAt(p: SmtProof, level: number): SmtProof {
  const at = siblingPosition(p, level);
  return { ...p, bitmap: p.bitmap & ~(1n << BigInt(level)), siblings: [...p.siblings.slice(0, at), ...p.siblings.slice(at + 1)] };
}

/** Levels below the path's end whose bit is clear (where a zero sibling can be smuggled in). */
export function clearLevels(p: SmtProof): number[] {
  const out: number[] = [];
  for (let l = 0; l < p.depth; l++) if (!hasBit(p, l)) out.push(l);
  return out;
}

export function setLevels(p: SmtProof): number[] {
  const out: number[] = [];
  for (let l = 0; l < p.depth; l++) if (hasBit(p, l)) out.push(l);
  return out;
}

/** Replace witness `i` of a list by `f(witness)`. */
export function editWitness(ws: readonly Witness[], i: number, f: (w: Witness) => Witness): Witness[] {
  return ws.map((w, j) => (j === i ? f(w) : w));
}

export function editProof(ws: readonly Witness[], i: number, f: (p: SmtProof) => SmtProof): Witness[] {
  return editWitness(ws, i, (w) => ({ ...w, proof: f(w.proof) }));
}

/** Whether the witness carries a neighbour preimage (the access deletes a key below the root). */
export function hasNeighbour(p: SmtProof): boolean {
  return p.neighbourIsLeaf || p.neighbourA.some((b) => b !== 0) || p.neighbourB.some((b) => b !== 0);
}
