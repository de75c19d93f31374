/** Regenerates test/vectors/protocol.json from the TypeScript implementation (`npm run vectors`). */
import { mkdirSync, writeFileSync } from "node:fs";
import { buildVectors } from "../sequencer/testing/vectors.js";

export const VECTORS_PATH = new URL("../test/vectors/protocol.json", import.meta.url);

const file = buildVectors();
mkdirSync(new URL(".", VECTORS_PATH), { recursive: true });
writeFileSync(VECTORS_PATH, `${JSON.stringify(file, null, 1)}\n`);
console.log(`wrote ${file.vectors.length} vectors to test/vectors/protocol.json`);
