/**
 * A read-only view of the state database frozen at one moment (a LevelDB snapshot), for sending a
 * version's leaves to a replica (GET /snapshot) while the sequencer keeps committing and pruning: pages
 * written or deleted after the view was taken are not seen. Reads go to the view directly, never
 * through the page cache (a walk of the whole state must not evict the pages execution uses), and the
 * walk holds one page per level of its path (at most 256 / page height pages), whatever the state's size.
 */
import type { ClassicLevel } from "classic-level";
import { ZERO_WORD, type Word } from "../protocol/bytes.js";
import { hashLeaf } from "../state/hashing.js";
import { decodeRootRecord, type RootRecord } from "./commit.js";
import { StateCorruptionError } from "./errors.js";
import { nodeKey, rootKey } from "./layout.js";
import { decodePage, type Page, TAG_BRANCH, TAG_CHILD, TAG_LEAF, TAG_LEAF_PRE } from "./page.js";

type Level = ClassicLevel<Uint8Array, Uint8Array>;
type Snapshot = ReturnType<Level["snapshot"]>;

export interface SnapshotLeafData {
  key: Word;
  value: Word;
  preimage: Uint8Array | undefined;
}

export class StateSnapshot {
  private readonly snap: Snapshot;
  private closed = false;
  /** pages read by walks of this view */
  pagesRead = 0;

  /** Takes the view at once (synchronously): what is on disk at this call, nothing later. */
  constructor(
    private readonly db: Level,
    private readonly levels: number,
  ) {
    this.snap = db.snapshot();
  }

  private get(key: Uint8Array): Uint8Array | undefined {
    if (this.closed) throw new StateCorruptionError("the state snapshot is closed");
    return this.db.getSync(key, { snapshot: this.snap, fillCache: false });
  }

  private rootRecord(version: number): RootRecord {
    const raw = this.get(rootKey(version));
    // pruned before the view was taken, never committed, or not yet on disk when it was
    if (raw === undefined) throw new StateCorruptionError(`snapshot: version ${version} has no root record on disk (pruned, or not yet written)`);
    return decodeRootRecord(raw);
  }

  private page(version: number, depth: number, keyBits: Uint8Array): Page {
    const raw = this.get(nodeKey(version, depth, keyBits));
    if (raw === undefined) throw new StateCorruptionError(`snapshot: the page of version ${version} at depth ${depth} is missing`);
    this.pagesRead++;
    return decodePage(raw, version, depth, this.levels);
  }

  /** The state root of `version` in this view (-1: the empty state). */
  rootHash(version: number): Word {
    if (version === -1) return ZERO_WORD;
    const rec = this.rootRecord(version);
    if (rec.kind === "empty") return ZERO_WORD;
    return rec.kind === "leaf" ? hashLeaf(rec.key, rec.value) : rec.hash;
  }

  /** Every leaf of `version`, in ascending key order (copies: they outlive the pages they came from). */
  *leaves(version: number): Generator<SnapshotLeafData> {
    if (version === -1) return;
    const rec = this.rootRecord(version);
    if (rec.kind === "empty") return;
    if (rec.kind === "leaf") {
      yield { key: rec.key, value: rec.value, preimage: rec.preimage };
      return;
    }
    const path = new Uint8Array(32);
    const self = this;
    // Left before right at every branch: keys come out sorted (a key's bits are its path).
    function* walk(page: Page, i: number, depth: number): Generator<SnapshotLeafData> {
      const k = page.kind(i);
      if (k === TAG_LEAF || k === TAG_LEAF_PRE) {
        yield { key: page.leafKey(i).slice(), value: page.leafValue(i).slice(), preimage: page.leafPreimage(i)?.slice() };
        return;
      }
      if (k === TAG_CHILD) {
        yield* walk(self.page(page.childVersion(i), depth, path), 0, depth);
        return;
      }
      if (k !== TAG_BRANCH) return;
      const mask = 1 << (7 - (depth & 7));
      yield* walk(page, page.left(i), depth + 1);
      path[depth >> 3]! |= mask;
      yield* walk(page, page.right(i), depth + 1);
      path[depth >> 3]! &= ~mask;
    }
    yield* walk(this.page(rec.version, 0, path), 0, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.snap.close();
  }
}
