/**
 * The state database: the tree of docs/protocol.md section 3 as versioned pages in LevelDB
 * (classic-level), with a byte-bounded cache of decoded pages. The I/O shell around the pure modules
 * (layout, page, tree, commit).
 *
 * - **Versions.** Each commit of a batch of writes is one version; the pages it writes are keyed by it,
 *   so every version not yet pruned can be read and proven (the roots of unfinalised batches).
 * - **Commits** are one LevelDB write batch each (new pages, stale-index entries, the root record, the
 *   meta record): atomic, so a process killed in the middle of one restarts at the previous version.
 *   The in-memory tree moves to the new version at once and the write follows (in order, one at a
 *   time); until it lands, the new pages are served from memory, so execution need not wait for it.
 * - **Pruning** deletes what only versions older than a given one reach, by the stale-node index.
 * - **Restart** reads the meta record and the latest root, nothing else: pages are read when used.
 */
import { ClassicLevel } from "classic-level";
import { type Word, wordsEqual, ZERO_WORD } from "../protocol/bytes.js";
import { hashLeaf } from "../state/hashing.js";
import type { SmtProof } from "../state/proof.js";
import { Committer, decodeRootRecord, encodeRootRecord, type RootRecord } from "./commit.js";
import { BulkLoadRangeError, StateBusyError, StateCorruptionError, StateWriteFailedError, VersionUnavailableError } from "./errors.js";
import { PageCache } from "./cache.js";
import { StateSnapshot } from "./snapshot.js";
import type { LeafChange } from "./changes.js";
import {
  MAX_VERSION,
  META_KEY,
  decodeStale,
  encodeStale,
  nodeKey,
  nodesFrom,
  pageId,
  pageIdOf,
  rootKey,
  rootRange,
  rootsBelow,
  staleKey,
  staleRange,
  versionOfRootKey,
} from "./layout.js";
import {
  decodePage,
  MAX_PAGE_LEVELS,
  MAX_PREIMAGE_BYTES,
  MIN_PAGE_LEVELS,
  type Page,
  PageFormatError,
  TAG_BRANCH,
  TAG_CHILD,
  TAG_LEAF,
  TAG_LEAF_PRE,
} from "./page.js";
import { type LeafData, MemBranch, MemLeaf, nodeHash, type PageSource, Slot, treeGet, type TreeNode, treeProve } from "./tree.js";

type Level = ClassicLevel<Uint8Array, Uint8Array>;
type Op = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

export interface StateDbOptions {
  /** bytes of decoded pages kept in memory (the cache bound; the process uses more, see docs) */
  cacheBytes: number;
  /** fsync every commit (default true): without it a machine crash may lose the latest versions */
  sync?: boolean;
  /** binary levels per page for a new database (default 4); an existing database keeps its own */
  pageLevels?: number;
  /** LevelDB settings (classic-level's names); unset ones take STATE_LEVELDB_DEFAULTS, then classic-level's */
  leveldb?: { writeBufferSize?: number; blockSize?: number; maxOpenFiles?: number; cacheSize?: number; maxFileSize?: number };
}

/**
 * LevelDB maps up to 1,000 table files into memory to read them (leveldb 1.20's env_posix: a per-process
 * mmap limit; later tables are read with pread), and the pages of a mapped table that lookups and
 * compactions touch count in the resident set (file-backed): 32 MiB tables mapped all 1.7 GiB of a
 * 10M-entry state (docs/benchmarks.md). A table stays mapped while the table cache keeps it open, so
 * the mapping is at most min(1,000, maxOpenFiles) tables of maxFileSize. LevelDB clips maxFileSize to
 * at least 1 MiB, so the open-table count is the bound: 128 tables of 1 MiB map at most 128 MiB,
 * whatever the size of the state (256 tables let the file-backed part reach 172 MiB while updating a
 * 10M-entry state, 114 MiB with 128: docs/benchmarks.md, "The cache's budget counts what a page
 * costs"). The price is reopening tables (a footer, index and filter read) on lookups that miss the
 * table cache; at 10M entries (about 2,000 tables) most random lookups miss it either way. An existing database opens as it is: its tables keep their size
 * until compaction rewrites them.
 */
export const STATE_LEVELDB_DEFAULTS = { maxFileSize: 1 << 20, maxOpenFiles: 128 } as const;

/** One entry of a bulk load. */
export interface StateEntry {
  key: Word;
  value: Word;
  preimage?: Uint8Array | undefined;
}

export interface CommitReceipt {
  version: number;
  root: Word;
  /** the committed tree: what the next batch of writes starts from */
  tree: TreeNode;
  /** settles when the version is on disk (synced when `sync`) */
  durable: Promise<void>;
  pagesWritten: number;
  pagesStale: number;
  /**
   * The leaves this version wrote, as committed (value null: deleted), when the database records
   * changes and the commit came from a StoredTreeState: what a replica applies (sequencer/replica).
   */
  changes?: LeafChange[];
}

interface Meta {
  format: 1;
  levels: number;
  /** the latest committed version, -1 before the first */
  latest: number;
  /** the oldest version still readable (pruning raised it) */
  oldest: number;
  /** a bulk load of this version started and has not finished */
  loading?: number;
  /** a truncation to this version started and has not finished */
  truncateTo?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Writes of a bulk load or a prune are flushed in LevelDB batches of about this many bytes. */
const BULK_BATCH_BYTES = 8 << 20;
/**
 * The entries a bulk load holds of one key range by default: keys are hashes,
 * so a range holds 1/4096 of them give or take a few hundred, and this is a state of some 4 billion.
 */
export const BULK_MAX_RANGE_ENTRIES = 1 << 20;
/**
 * The key bits a bulk load partitions by default for pages `levels` tree levels high: the multiple of
 * `levels` nearest above 12, so that a range's subtree ends on a page boundary (4096 ranges at 4 levels
 * a page, 32768 at 5).
 */
export function bulkPartitionBits(levels: number): number {
  return levels * Math.ceil(12 / levels);
}
/** Stale-index records (one per version) deleted per write batch by a prune. */
const PRUNE_BATCH_RECORDS = 16;

function checkWord(w: Uint8Array, what: string): void {
  if (!(w instanceof Uint8Array) || w.length !== 32) throw new TypeError(`${what} must be 32 bytes`);
}

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export class StateDb {
  private readonly cache: PageCache;
  /** pages of commits not yet on disk, by page id */
  private readonly pending = new Map<string, Page>();
  /** root records of commits not yet on disk, by version */
  private readonly pendingRoots = new Map<number, RootRecord>();
  private latestTree: TreeNode = null;
  private writes: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private closed = false;
  /** pages read from LevelDB (cache misses that reached the disk) */
  diskReads = 0;
  /** Make every StoredTreeState over this database list the leaves each commit wrote (for a replica feed). */
  recordChanges = false;
  readonly source: PageSource;

  private constructor(
    private readonly db: Level,
    private meta: Meta,
    private readonly sync: boolean,
    cacheBytes: number,
  ) {
    this.cache = new PageCache(cacheBytes);
    const levels = meta.levels;
    this.source = { levels, page: (version, depth, keyBits) => this.loadPage(version, depth, keyBits) };
  }

  /** Open (or create) the database in `dir`. Reads two records, whatever the size of the state. */
  static async open(dir: string, opts: StateDbOptions): Promise<StateDb> {
    if (!Number.isSafeInteger(opts.cacheBytes) || opts.cacheBytes < 0) throw new RangeError(`cacheBytes ${opts.cacheBytes} is not a byte count`);
    const levels = opts.pageLevels ?? 4;
    if (!Number.isInteger(levels) || levels < MIN_PAGE_LEVELS || levels > MAX_PAGE_LEVELS) {
      throw new RangeError(`pageLevels ${levels} is outside ${MIN_PAGE_LEVELS}..${MAX_PAGE_LEVELS}`);
    }
    const db: Level = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
      keyEncoding: "view",
      valueEncoding: "view",
      ...STATE_LEVELDB_DEFAULTS,
      ...opts.leveldb,
    });
    await db.open();
    try {
      const raw = db.getSync(META_KEY);
      let meta: Meta;
      if (raw === undefined) {
        meta = { format: 1, levels, latest: -1, oldest: 0 };
        await db.put(META_KEY, enc.encode(JSON.stringify(meta)), { sync: true });
      } else {
        meta = JSON.parse(dec.decode(raw)) as Meta;
        if (meta.format !== 1) throw new StateCorruptionError(`state database format ${String(meta.format)} is not 1`);
        if (opts.pageLevels !== undefined && opts.pageLevels !== meta.levels) {
          throw new RangeError(`the database in ${dir} has ${meta.levels} levels per page, not ${opts.pageLevels}`);
        }
      }
      const s = new StateDb(db, meta, opts.sync ?? true, opts.cacheBytes);
      if (meta.loading !== undefined) await s.discardInterruptedLoad();
      if (meta.truncateTo !== undefined) await s.finishTruncate();
      s.latestTree = s.readRoot(s.meta.latest);
      return s;
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  get levels(): number {
    return this.meta.levels;
  }
  /** The latest committed version (-1 before the first commit). */
  get latestVersion(): number {
    return this.meta.latest;
  }
  /** The oldest version that can still be read and proven. */
  get oldestVersion(): number {
    return this.meta.latest < 0 ? this.meta.oldest : Math.min(this.meta.oldest, this.meta.latest);
  }
  get cacheStats() {
    return {
      bytes: this.cache.bytes,
      capacity: this.cache.capacityBytes,
      pages: this.cache.size,
      hits: this.cache.hits,
      misses: this.cache.misses,
      evictions: this.cache.evictions,
      diskReads: this.diskReads,
    };
  }

  private check(): void {
    if (this.closed) throw new StateBusyError("the state database is closed");
    if (this.failure) throw new StateWriteFailedError(`an earlier write failed (${this.failure.message}): reopen the database`);
  }

  private checkVersion(version: number): void {
    if (!Number.isSafeInteger(version) || version < this.oldestVersion || version > this.meta.latest) {
      throw new VersionUnavailableError(version, this.oldestVersion, this.meta.latest);
    }
  }

  private loadPage(version: number, depth: number, keyBits: Uint8Array): Page {
    const id = pageIdOf(version, depth, keyBits);
    const hit = this.cache.get(id) ?? this.pending.get(id);
    if (hit !== undefined) return hit;
    const raw = this.db.getSync(nodeKey(version, depth, keyBits));
    if (raw === undefined)
      throw new StateCorruptionError(`the page of version ${version} at depth ${depth} is missing (pruned while in use, or a damaged store)`);
    this.diskReads++;
    let page: Page;
    try {
      // decodePage copies: the cache accounts a page by its own buffer, not by one it might share.
      page = decodePage(raw, version, depth, this.meta.levels);
    } catch (e) {
      if (e instanceof PageFormatError) throw new StateCorruptionError(`the page of version ${version} at depth ${depth} is malformed: ${e.message}`);
      throw e;
    }
    this.cache.set(id, page);
    return page;
  }

  private readRoot(version: number): TreeNode {
    if (version < 0) return null;
    const rec = this.rootRecord(version);
    if (rec.kind === "empty") return null;
    if (rec.kind === "leaf") return new MemLeaf(rec.key, rec.value, rec.preimage);
    return new Slot(this.loadPage(rec.version, 0, ZERO_WORD), 0);
  }

  private rootRecord(version: number): RootRecord {
    const queued = this.pendingRoots.get(version);
    if (queued !== undefined) return queued;
    const raw = this.db.getSync(rootKey(version));
    if (raw === undefined) throw new StateCorruptionError(`the root record of version ${version} is missing`);
    return decodeRootRecord(raw);
  }

  /** The tree of `version` (default the latest), as stored nodes. */
  tree(version = this.meta.latest): TreeNode {
    this.check();
    if (version === this.meta.latest) return this.latestTree;
    this.checkVersion(version);
    return this.readRoot(version);
  }

  /** The state root of `version` (default the latest); reads at most one record. */
  rootHash(version = this.meta.latest): Word {
    this.check();
    if (version === this.meta.latest) return nodeHash(this.latestTree);
    this.checkVersion(version);
    const rec = this.rootRecord(version);
    if (rec.kind === "empty") return ZERO_WORD;
    return rec.kind === "leaf" ? hashLeaf(rec.key, rec.value) : rec.hash;
  }

  /** The leaf at `key` in `version` (default the latest), copied, or null. */
  get(key: Word, version = this.meta.latest): LeafData | null {
    checkWord(key, "key");
    const l = treeGet(this.tree(version), key, this.source);
    return l === null ? null : { key: l.key.slice(), value: l.value.slice(), preimage: l.preimage?.slice() };
  }

  /** The canonical proof of an access to `key` against the root of `version` (default the latest). */
  prove(key: Word, deletes = false, version = this.meta.latest): SmtProof {
    checkWord(key, "key");
    return treeProve(this.tree(version), key, deletes, this.source);
  }

  /**
   * Commit `next` (a tree built from the latest version by writes) as `version` (default the next).
   * Hashes every new node once, cuts the pages, and queues one atomic write.
   */
  commit(next: TreeNode, version = this.meta.latest + 1): CommitReceipt {
    this.check();
    if (this.meta.loading !== undefined || this.meta.truncateTo !== undefined) throw new StateBusyError("a bulk load or a truncation is in progress");
    if (!Number.isSafeInteger(version) || version <= this.meta.latest || version > MAX_VERSION) {
      throw new RangeError(`version ${version} must be above the latest, ${this.meta.latest}`);
    }
    const res = new Committer(version, this.source).commitRoot(next, this.latestTree);
    const ops: Op[] = [];
    const ids: string[] = [];
    for (const { key, id, page } of res.pages) {
      ids.push(id);
      this.pending.set(id, page);
      this.cache.set(id, page);
      ops.push({ type: "put", key, value: page.bytes });
    }
    if (res.stale.length > 0) ops.push({ type: "put", key: staleKey(version), value: encodeStale(res.stale) });
    // Replaced pages serve only older versions from now on: the cache keeps the latest tree instead.
    for (const k of res.stale) this.cache.delete(pageId(k));
    ops.push({ type: "put", key: rootKey(version), value: encodeRootRecord(res.root) });
    // The first version committed is the oldest there is.
    this.meta = { ...this.meta, latest: version, oldest: this.meta.latest === -1 ? version : this.meta.oldest };
    ops.push(this.metaOp());
    this.latestTree = res.tree;
    this.pendingRoots.set(version, res.root);
    const durable = this.enqueue(ops, this.sync).then(() => {
      for (const id of ids) this.pending.delete(id);
      this.pendingRoots.delete(version);
    });
    return { version, root: nodeHash(res.tree), tree: res.tree, durable, pagesWritten: res.pages.length, pagesStale: res.stale.length };
  }

  private metaOp(): Op {
    return { type: "put", key: META_KEY, value: enc.encode(JSON.stringify(this.meta)) };
  }

  /** Writes go one at a time, in the order queued; the first failure stops all later ones. */
  private enqueue(ops: Op[], sync: boolean): Promise<void> {
    const run = this.writes.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await this.db.batch(ops, { sync });
      } catch (e) {
        this.failure = e instanceof Error ? e : new Error(String(e));
        throw new StateWriteFailedError(`writing the state failed: ${this.failure.message}`);
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Settles when every queued write is on disk. */
  async flush(): Promise<void> {
    await this.writes;
    if (this.failure) throw new StateWriteFailedError(`an earlier write failed (${this.failure.message}): reopen the database`);
  }

  /**
   * Make versions older than `below` unreadable and delete what only they reached. The oldest
   * readable version is raised first (durably), then stale pages are deleted in batches, so a crash
   * part way leaves a consistent store that the next prune finishes.
   */
  async prune(below: number): Promise<{ pagesDeleted: number }> {
    this.check();
    if (!Number.isSafeInteger(below) || below > this.meta.latest)
      throw new RangeError(`cannot prune below ${below}: the latest version is ${this.meta.latest}`);
    if (below > this.meta.oldest) {
      this.meta = { ...this.meta, oldest: below };
      await this.enqueue([this.metaOp()], true);
    }
    const upTo = this.meta.oldest;
    let pagesDeleted = 0;
    for (;;) {
      const records = await this.db.iterator({ ...staleRange(0, upTo), limit: PRUNE_BATCH_RECORDS }).all();
      if (records.length === 0) break;
      const ops: Op[] = [];
      for (const [k, v] of records) {
        for (const page of decodeStale(v)) ops.push({ type: "del", key: page });
        ops.push({ type: "del", key: k });
      }
      await this.enqueue(ops, false);
      pagesDeleted += ops.length - records.length;
    }
    const roots = await this.db.keys({ ...rootsBelow(upTo) }).all();
    if (roots.length > 0)
      await this.enqueue(
        roots.map((key) => ({ type: "del" as const, key })),
        false,
      );
    return { pagesDeleted };
  }

  /**
   * Drop every version after `version` (a resync that undoes executed batches). Stale-index entries
   * those versions wrote go too, so the pages they had replaced are live again (keeping them would let
   * a later prune delete pages of the new history). The latest version becomes the newest one at or
   * below `version` (versions may skip numbers). `truncateAfter(-1)` drops every version: the empty
   * state (before the first commit) needs no pages, so it is always reachable, pruned or not.
   */
  async truncateAfter(version: number): Promise<void> {
    this.check();
    await this.flush();
    if (version >= this.meta.latest) return;
    if (!Number.isSafeInteger(version) || (version !== -1 && version < this.oldestVersion)) {
      throw new VersionUnavailableError(version, this.oldestVersion, this.meta.latest);
    }
    // Versions need not be consecutive (the sequencer's are chunk ids, and a resync skips some): what
    // remains is the newest version at or below `version`.
    let keep = -1;
    if (version >= 0) {
      const [k] = await this.db.keys({ gte: rootKey(this.oldestVersion), lte: rootKey(version), reverse: true, limit: 1 }).all();
      if (k !== undefined) keep = versionOfRootKey(k);
    }
    this.meta = { ...this.meta, latest: keep, truncateTo: keep };
    await this.enqueue([this.metaOp()], true);
    await this.finishTruncate();
  }

  private async finishTruncate(): Promise<void> {
    const v = this.meta.truncateTo!;
    const from = v + 1;
    await this.db.clear(nodesFrom(from));
    await this.db.clear(staleRange(from, MAX_VERSION));
    await this.db.clear(rootRange(from));
    // Page keys of the dropped versions will be written again with other contents.
    this.cache.deleteWhere((_, p) => p.version > v);
    const { truncateTo: _done, ...rest } = this.meta;
    // Emptied: the next commit is the oldest version again.
    this.meta = v === -1 ? { ...rest, latest: -1, oldest: 0 } : { ...rest, latest: v };
    await this.enqueue([this.metaOp()], true);
    this.latestTree = this.readRoot(v);
  }

  private async discardInterruptedLoad(): Promise<void> {
    await this.db.clear(nodesFrom(0));
    await this.db.clear(staleRange(0, MAX_VERSION));
    await this.db.clear(rootRange(0));
    const { loading: _done, ...rest } = this.meta;
    this.meta = { ...rest, latest: -1, oldest: 0 };
    await this.enqueue([this.metaOp()], true);
  }

  /**
   * Build the state from `entries` sorted by key (unique, non-zero values) as `version`, into an
   * empty database, without reading anything back: each group of keys sharing their first
   * `partitionBits` bits is built, hashed and written on its own, then the pages above them.
   * Memory grows with the largest group, not with the state; a group past `maxRangeEntries`
   * (BULK_MAX_RANGE_ENTRIES) is refused (BulkLoadRangeError) as it arrives.
   */
  async bulkLoad(
    entries: AsyncIterable<StateEntry> | Iterable<StateEntry>,
    opts: { version?: number; partitionBits?: number; maxRangeEntries?: number; onProgress?: (loaded: number) => void } = {},
  ): Promise<{ version: number; root: Word; entries: number; pages: number }> {
    this.check();
    if (this.meta.latest !== -1) throw new StateBusyError("a bulk load needs an empty database");
    const levels = this.meta.levels;
    const version = opts.version ?? 0;
    const bits = opts.partitionBits ?? bulkPartitionBits(levels);
    if (!Number.isInteger(bits) || bits % levels !== 0 || bits < levels || bits > 24) {
      throw new RangeError(`partitionBits ${bits} must be a multiple of ${levels} in ${levels}..24`);
    }
    const maxRange = opts.maxRangeEntries ?? BULK_MAX_RANGE_ENTRIES;
    this.meta = { ...this.meta, loading: version };
    await this.enqueue([this.metaOp()], true);

    let ops: Op[] = [];
    let opBytes = 0;
    let pages = 0;
    const flush = async (force: boolean) => {
      if (ops.length === 0 || (!force && opBytes < BULK_BATCH_BYTES)) return;
      const batch = ops;
      ops = [];
      opBytes = 0;
      await this.enqueue(batch, false);
    };
    const emit = (c: Committer) => {
      for (const { key, page } of c.pages) {
        ops.push({ type: "put", key, value: page.bytes });
        opBytes += key.length + page.bytes.length;
      }
      pages += c.pages.length;
    };

    const groups: { prefix: number; count: number; node: TreeNode }[] = [];
    let group: StateEntry[] = [];
    let groupPrefix = -1;
    let prev: Uint8Array | null = null;
    let loaded = 0;
    const closeGroup = async () => {
      if (group.length === 0) return;
      let node: TreeNode;
      if (group.length === 1) {
        // Kept until the end: copied, so it holds no buffer of the caller's alive.
        const e = group[0]!;
        node = new MemLeaf(e.key.slice(), e.value.slice(), e.preimage?.slice());
      } else {
        const c = new Committer(version, this.source);
        setPrefix(c.path, groupPrefix, bits);
        node = c.page(buildSorted(group, 0, group.length, bits) as MemBranch, null, bits).node;
        emit(c);
      }
      groups.push({ prefix: groupPrefix, count: group.length, node });
      group = [];
      await flush(false);
      opts.onProgress?.(loaded);
    };
    for await (const e of entries as AsyncIterable<StateEntry>) {
      checkWord(e.key, "key");
      checkWord(e.value, "value");
      if (e.value.every((b) => b === 0)) throw new RangeError("a bulk load entry with a zero value (zero means absent)");
      if (e.preimage !== undefined && e.preimage.length > MAX_PREIMAGE_BYTES)
        throw new RangeError(`a preimage of ${e.preimage.length} bytes (at most ${MAX_PREIMAGE_BYTES})`);
      if (prev !== null && compareKeys(prev, e.key) >= 0) throw new RangeError("bulk load entries must be sorted by key, without repeats");
      prev = e.key;
      const p = prefixOf(e.key, bits);
      if (p !== groupPrefix) {
        await closeGroup();
        groupPrefix = p;
      }
      if (group.length >= maxRange)
        throw new BulkLoadRangeError(
          `more than ${maxRange} entries share their first ${bits} key bits (a key range is held in memory until it is built): the keys are not spread as hashes are`,
        );
      group.push(e);
      loaded++;
    }
    await closeGroup();

    const top = new Committer(version, this.source);
    const res = top.commitRoot(buildTop(groups, 0, groups.length, 0, bits), null);
    emit(top);
    ops.push({ type: "put", key: rootKey(version), value: encodeRootRecord(res.root) });
    const { loading: _done, ...rest } = this.meta;
    this.meta = { ...rest, latest: version, oldest: version };
    ops.push(this.metaOp());
    await this.enqueue(ops, true);
    for (const { id, page } of res.pages) this.cache.set(id, page);
    this.latestTree = res.tree;
    return { version, root: nodeHash(res.tree), entries: loaded, pages };
  }

  /**
   * Load pages of the latest version breadth-first (the pages every path shares first) until the
   * cache holds `fraction` of its capacity or the whole tree. For a restarted process that is already
   * serving: the state is ready without it, this only spares the first batches their disk reads.
   * Yields to the event loop between levels of pages.
   */
  async warmCache(fraction = 0.9): Promise<{ pages: number }> {
    this.check();
    const root = this.latestTree;
    if (!(root instanceof Slot)) return { pages: 0 };
    const budget = this.cache.capacityBytes * fraction;
    let level: { page: Page; path: Uint8Array }[] = [{ page: root.page, path: new Uint8Array(32) }];
    let pages = 0;
    while (level.length > 0 && this.cache.bytes < budget) {
      const next: { page: Page; path: Uint8Array }[] = [];
      for (const { page, path } of level) {
        for (const { index, path: childPath } of childRefs(page, path)) {
          if (this.cache.bytes >= budget) break;
          next.push({ page: this.loadPage(page.childVersion(index), page.depth + this.meta.levels, childPath), path: childPath });
          pages++;
        }
      }
      level = next;
      await new Promise((r) => setImmediate(r));
    }
    return { pages };
  }

  /**
   * Read the whole tree of `version` from disk (not from the cache) and check it: every page decodes,
   * every child reference's hash is the hash of the page it names, the root is the recorded one.
   * Reads every page of the version: a diagnostic and a test tool, not for a running service.
   */
  audit(version = this.meta.latest): { root: Word; leaves: number; pages: Set<string> } {
    this.check();
    if (version < 0) return { root: ZERO_WORD, leaves: 0, pages: new Set() };
    this.checkVersion(version);
    const pages = new Set<string>();
    let leaves = 0;
    const fresh = (v: number, depth: number, keyBits: Uint8Array): Page => {
      const key = nodeKey(v, depth, keyBits);
      const id = pageIdOf(v, depth, keyBits);
      pages.add(id);
      const raw = this.pending.get(id)?.bytes ?? this.db.getSync(key);
      if (raw === undefined) throw new StateCorruptionError(`audit of version ${version}: the page of version ${v} at depth ${depth} is missing`);
      return decodePage(raw, v, depth, this.meta.levels);
    };
    const path = new Uint8Array(32);
    const walk = (page: Page, i: number, depth: number): void => {
      const k = page.kind(i);
      if (k === TAG_LEAF || k === TAG_LEAF_PRE) {
        leaves++;
        return;
      }
      if (k === TAG_CHILD) {
        const child = fresh(page.childVersion(i), depth, path);
        if (!wordsEqual(child.hashOf(0), page.hashOf(i)))
          throw new StateCorruptionError(`audit of version ${version}: a child page at depth ${depth} does not hash to its reference`);
        walk(child, 0, depth);
        return;
      }
      if (k !== TAG_BRANCH) return;
      if (!wordsEqual(page.branchHashFromChildren(i), page.hashOf(i)))
        throw new StateCorruptionError(`audit of version ${version}: a branch at depth ${depth} does not hash to its stored hash`);
      const mask = 1 << (7 - (depth & 7));
      walk(page, page.left(i), depth + 1);
      path[depth >> 3]! |= mask;
      walk(page, page.right(i), depth + 1);
      path[depth >> 3]! &= ~mask;
    };
    const rec = this.rootRecord(version);
    let root: Word = ZERO_WORD;
    if (rec.kind === "leaf") {
      leaves = 1;
      root = hashLeaf(rec.key, rec.value);
    } else if (rec.kind === "page") {
      const top = fresh(rec.version, 0, path);
      walk(top, 0, 0);
      root = top.hashOf(0);
      if (!wordsEqual(root, rec.hash)) throw new StateCorruptionError(`audit of version ${version}: the root page does not hash to the recorded root`);
    }
    return { root, leaves, pages };
  }

  /**
   * A read-only view of what is on disk now (statedb/snapshot.ts), for sending a version's leaves
   * while commits and prunes go on. Versions whose write is still queued are not in it: flush() first
   * when the latest must be.
   */
  snapshot(): StateSnapshot {
    this.check();
    return new StateSnapshot(this.db, this.meta.levels);
  }

  /** Ids of every page stored (a diagnostic: after pruning, exactly the pages retained versions reach). */
  async storedPages(): Promise<Set<string>> {
    await this.flush();
    const ids = new Set<string>();
    for await (const k of this.db.keys(nodesFrom(0))) ids.add(pageId(k));
    return ids;
  }

  /** Bytes LevelDB estimates the pages, index and roots take on disk. */
  async approximateBytes(): Promise<number> {
    return this.db.approximateSize(Uint8Array.of(0x01), Uint8Array.of(0x04));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes;
    this.closed = true;
    await this.db.close();
  }
}

function prefixOf(key: Uint8Array, bits: number): number {
  return ((key[0]! << 16) | (key[1]! << 8) | key[2]!) >>> (24 - bits);
}

function setPrefix(path: Uint8Array, prefix: number, bits: number): void {
  path.fill(0);
  const v = prefix << (24 - bits);
  path[0] = (v >>> 16) & 0xff;
  path[1] = (v >>> 8) & 0xff;
  path[2] = v & 0xff;
}

function bit(key: Uint8Array, i: number): number {
  return (key[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** The canonical subtree of sorted entries [lo, hi) that share their first `depth` bits (two or more). */
function buildSorted(es: StateEntry[], lo: number, hi: number, depth: number): TreeNode {
  if (hi - lo === 1) {
    const e = es[lo]!;
    return new MemLeaf(e.key, e.value, e.preimage);
  }
  // Sorted keys with a common prefix: those with bit `depth` clear come first.
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (bit(es[m]!.key, depth) === 0) a = m + 1;
    else b = m;
  }
  const left = a > lo ? buildSorted(es, lo, a, depth + 1) : null;
  const right = a < hi ? buildSorted(es, a, hi, depth + 1) : null;
  return new MemBranch(left, right);
}

/** The tree above the groups [lo, hi) (sorted by prefix) that share their first `depth` bits. */
function buildTop(groups: { prefix: number; count: number; node: TreeNode }[], lo: number, hi: number, depth: number, bits: number): TreeNode {
  let count = 0;
  for (let i = lo; i < hi && count < 2; i++) count += groups[i]!.count;
  if (count === 0) return null;
  if (count === 1 || depth === bits) {
    // one leaf rises to the top of its empty surroundings; at the partition depth a group is itself
    let i = lo;
    while (groups[i]!.count === 0) i++;
    return groups[i]!.node;
  }
  let a = lo;
  let b = hi;
  const shift = bits - 1 - depth;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (((groups[m]!.prefix >>> shift) & 1) === 0) a = m + 1;
    else b = m;
  }
  return new MemBranch(a > lo ? buildTop(groups, lo, a, depth + 1, bits) : null, a < hi ? buildTop(groups, a, hi, depth + 1, bits) : null);
}

/** The child-page references of a page, with the key bits of their positions. */
function childRefs(page: Page, path: Uint8Array): { index: number; path: Uint8Array }[] {
  const out: { index: number; path: Uint8Array }[] = [];
  const walk = (i: number, depth: number, bits: Uint8Array) => {
    const k = page.kind(i);
    if (k === TAG_CHILD) out.push({ index: i, path: bits });
    if (k !== TAG_BRANCH) return;
    walk(page.left(i), depth + 1, bits);
    const right = bits.slice();
    right[depth >> 3]! |= 1 << (7 - (depth & 7));
    walk(page.right(i), depth + 1, right);
  };
  walk(0, page.depth, path);
  return out;
}
