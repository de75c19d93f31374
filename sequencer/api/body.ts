/** Reading an HTTP request body within a size limit (the API front-ends, the query server, the vault). */
import type { IncomingMessage } from "node:http";

/** The body as text, or null when it exceeds `limit` bytes (the rest is discarded). */
export function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      req.resume();
      resolve(null);
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else parts.push(c);
    });
    req.on("end", () => resolve(over ? null : Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}
