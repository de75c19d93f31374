/**
 * The blob archive over HTTP: `GET /blobs/<versioned hash>` answers the blob's 131,072 bytes
 * (application/octet-stream), 404 when not kept, 400 for a malformed hash. What watchers fetch from the
 * sequencer's archive and from each other's (EPHR_BLOB_ARCHIVE_URLS). A plain node:http handler, so that
 * any of the project's servers can mount it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { fromHex } from "../protocol/bytes.js";
import type { BlobArchive } from "./archive.js";

const ROUTE = /^\/blobs\/(0x[0-9a-fA-F]{64})$/;

/** Answer a request for a blob; false when the request is not for this route (the caller answers it). */
export async function serveBlob(archive: BlobArchive, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? "").split("?")[0]!;
  if (!path.startsWith("/blobs/")) return false;
  const m = ROUTE.exec(path);
  if (req.method !== "GET" || !m) {
    res.writeHead(req.method !== "GET" ? 405 : 400, { "content-type": "text/plain" }).end("GET /blobs/<versioned hash: 0x and 64 hex digits>");
    return true;
  }
  const blob = await archive.get(fromHex(m[1]!, 32));
  if (blob === null) {
    res.writeHead(404, { "content-type": "text/plain" }).end("not kept");
    return true;
  }
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(blob.length) }).end(blob);
  return true;
}
