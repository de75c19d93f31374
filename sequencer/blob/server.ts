/**
 * A blob archive's own HTTP server: `GET /blobs/<versioned hash>` (http.ts) and `GET /health`, on the
 * project's HTTP layer and under its limits (timeouts, connections per client and in all). The sequencer
 * runs one on EPHR_BLOB_ARCHIVE_PORT for the blobs it posts; watchers fetch from it (EPHR_BLOB_ARCHIVE_URLS).
 */
import { createHttpServer } from "../http/server.js";
import type { HttpLimits } from "../http/limits.js";
import type { BlobArchive } from "./archive.js";
import { serveBlob } from "./http.js";

export interface BlobArchiveServer {
  /** the base URL watchers are given (http://host:port) */
  url: string;
  port: number;
  close: () => Promise<void>;
}

export async function startBlobArchiveServer(archive: BlobArchive, o: { host: string; port: number; limits: HttpLimits }): Promise<BlobArchiveServer> {
  const http = await createHttpServer({
    limits: { ...o.limits, corsOrigins: [] },
    maxBodyBytes: 1024,
    busy: { error: "too many connections from this address" },
    health: true,
    refuse: (r) =>
      r.kind === "error"
        ? { status: 500, body: { error: "internal error" } }
        : { status: r.kind === "noRoute" && r.method !== "GET" ? 405 : 404, body: { error: "GET /blobs/<versioned hash> or /health" } },
  });
  // serveBlob answers on the raw response (the blob's bytes, or its own 400 / 404)
  http.app.get("/blobs/*", async (req, r) => {
    r.hijack();
    await serveBlob(archive, req.raw, r.raw);
  });
  const port = await http.listen(o.host, o.port);
  return { url: `http://${o.host}:${port}`, port, close: () => http.close() };
}
