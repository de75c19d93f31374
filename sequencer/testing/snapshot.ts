/**
 * Test helpers for replica resyncs: a snapshot decoded whole and written again (after a test changed
 * it), and a server that hands out a query server's snapshot changed by a function (a tampering proxy).
 */
import { createServer } from "node:http";
import { SnapshotDecoder, SnapshotEncoder, type SnapshotItem } from "../replica/snapshot-format.js";

export function decodeSnapshot(bytes: Uint8Array): SnapshotItem[] {
  const d = new SnapshotDecoder();
  const items = d.push(bytes);
  d.finish();
  return items;
}

/** The items as a snapshot stream, counts and digest computed anew (a consistent forgery). */
export function encodeSnapshot(items: SnapshotItem[]): Uint8Array {
  const e = new SnapshotEncoder();
  const parts: Uint8Array[] = [];
  for (const i of items) {
    if (i.t === "header") parts.push(e.header(i.header));
    else if (i.t === "record") parts.push(e.record(i.key, i.value));
    else if (i.t === "leaf") parts.push(e.leaf(i.leaf));
    else parts.push(e.end());
  }
  return Buffer.concat(parts);
}

export async function fetchSnapshot(queryUrl: string): Promise<Uint8Array> {
  const res = await fetch(new URL("snapshot", queryUrl));
  if (!res.ok) throw new Error(`GET snapshot: ${res.status} ${await res.text()}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A query server's URL stand-in whose GET /snapshot is `queryUrl`'s, changed by `tamper`. */
export async function startTamperingServer(
  queryUrl: () => string,
  tamper: (bytes: Uint8Array) => Uint8Array,
): Promise<{ url: string; served: () => number; close: () => Promise<void> }> {
  let served = 0;
  const server = createServer((_req, res) => {
    fetchSnapshot(queryUrl()).then(
      (b) => {
        served++;
        res.end(Buffer.from(tamper(b)));
      },
      (e: Error) => {
        res.statusCode = 502;
        res.end(e.message);
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    served: () => served,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
