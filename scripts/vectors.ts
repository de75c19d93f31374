/** Regenerates test/vectors/protocol.json from the TypeScript implementation (`npm run vectors`). */
import { mkdirSync, writeFileSync } from "node:fs";
import { blobVectors } from "../sequencer/blob/vectors.js";
import { buildVectors } from "../sequencer/testing/vectors.js";

export const VECTORS_PATH = new URL("../test/vectors/protocol.json", import.meta.url);

const file = buildVectors();
mkdirSync(new URL(".", VECTORS_PATH), { recursive: true });
writeFileSync(VECTORS_PATH, `${JSON.stringify(file, null, 1)}\n`);
console.log(`wrote ${file.vectors.length} vectors to test/vectors/protocol.json`);

const BLOB_VECTORS_PATH = new URL("../test/vectors/blob.json", import.meta.url);
const blob = blobVectors();
writeFileSync(BLOB_VECTORS_PATH, `${JSON.stringify(blob, null, 1)}\n`);
console.log(`wrote ${blob.scans.length} scan and ${blob.layouts.length} layout vectors to test/vectors/blob.json`);
