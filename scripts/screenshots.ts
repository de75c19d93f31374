/**
 * `npm run screenshots`: the README's walkthrough clicked through in Debian's Chromium
 * (test/browser/story.ts, then test/browser/governance-story.ts) on a fresh `npm start` devnet, photographing each page into
 * docs/screenshots/ (desktop, and the patient and operator pages at a phone's size).
 * With EPHR_WEB_URL, EPHR_L1_RPC_URL and EPHR_ROLLUP_ADDRESS it uses a devnet already running instead.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { REPO_ROOT } from "../sequencer/platform/programs.js";
import { runGovernanceStory } from "../test/browser/governance-story.js";
import { runStory } from "../test/browser/story.js";
import { postDishonestBatch } from "../test/support/devnet-fraud.js";
import { launchChromium, startWebDevnet, type WebDevnet } from "../test/support/web-devnet.js";

const OUT = join(REPO_ROOT, "docs", "screenshots");

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const given = process.env.EPHR_WEB_URL;
  const devnet: WebDevnet | null = given ? null : await startWebDevnet();
  const target = devnet ?? { webUrl: given!, l1Url: process.env.EPHR_L1_RPC_URL!, rollup: process.env.EPHR_ROLLUP_ADDRESS as `0x${string}` };
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
    page.on("console", (m) => (m.type() === "error" ? console.error(`[console] ${m.text()}`) : undefined));
    const shot = async (name: string, p: Page) => {
      await p.waitForTimeout(600); // let the last poll render
      await p.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
      console.log(`docs/screenshots/${name}.png`);
    };
    const t0 = Date.now();
    const step = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${s}`);
    const failed = async (e: unknown) => {
      const at = join(OUT, "..", "..", ".data", "screenshots-failure.png");
      await page.screenshot({ path: at, fullPage: true }).catch(() => undefined);
      console.error(`failed; the page as it was: ${at}`);
      throw e;
    };
    const r = await runStory(page, target.webUrl, { shot, step, provokeFraud: () => postDishonestBatch(target.l1Url, target.rollup) }).catch(failed);
    console.log(JSON.stringify(r, null, 2));
    const g = await runGovernanceStory(page, target.webUrl, { shot, step }, { probe: "Alice" }).catch(failed);
    console.log(JSON.stringify(g, null, 2));
    await page.setViewportSize({ width: 390, height: 844 });
    for (const p of ["patient", "operator"] as const) {
      await page.goto(`${target.webUrl}#/${p}`);
      await page.waitForTimeout(4000);
      await page.screenshot({ path: join(OUT, `${p}-phone.png`), fullPage: false });
      console.log(`docs/screenshots/${p}-phone.png`);
    }
  } finally {
    await browser.close();
    await devnet?.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
