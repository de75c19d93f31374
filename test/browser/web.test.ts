/**
 * The web app in a real browser (Debian's Chromium, driven by playwright-core) against the whole
 * system as `npm start` runs it: the patient, the clinic and the doctor click through grant, an
 * encrypted upload, a read, a revocation, the read denied, and a revocation forced through the L1
 * inbox; the operator page shows the watcher's fraud proof of a dishonest batch and the slash. Then
 * the app at a phone's width, used with the keyboard alone; then governance: a patient's policy, a
 * credentialed specialist granted access under it, an emergency clinician breaking the glass and the
 * patient alerted.
 */
import { expect } from "chai";
import { Contract, type EventLog, JsonRpcProvider, parseEther, type TypedDataDomain, type TypedDataField, toQuantity, Wallet } from "ethers";
import type { Page } from "playwright-core";
import { postDishonestBatch } from "../support/devnet-fraud.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { forcedInboxAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { launchChromium, startWebDevnet, type WebDevnet } from "../support/web-devnet.js";
import { runGovernanceStory } from "./governance-story.js";
import { choose, createIdentity, go, LONG, runStory, type StoryResult } from "./story.js";

describe("web app, in Chromium: patient, provider and operator", function () {
  this.timeout(300_000);
  let devnet: WebDevnet | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  let story: StoryResult;

  before(async () => {
    devnet = await startWebDevnet();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await devnet?.stop();
  });

  it("walks grant → upload → read → revoke → read denied → forced revocation, and shows the fraud proof", async () => {
    let fraudPoster = "";
    story = await runStory(page, devnet!.webUrl, {
      provokeFraud: async () => {
        const bad = await postDishonestBatch(devnet!.l1Url, devnet!.rollup);
        fraudPoster = bad.proposer.toLowerCase();
        return bad;
      },
    });
    expect(story.decrypted).to.equal("Decrypted: Observation Glucose = 6.3 mmol/L");
    expect(story.denial).to.match(/VAULT_REVOKED|VAULT_NO_CONSENT/);
    expect(story.denial).to.match(/revoked|not given you read access/);
    expect(story.forced).to.match(/Queued in the L1 inbox as entry #0 .*Included by a batch/);
    expect(story.trail).to.match(/^Dr Bob \(0x[0-9a-fA-F]{6}…[0-9a-fA-F]{4}\) read your laboratory record .* version 1\) on /);
    expect(story.fraud).to.include("WrongRoot").and.include("lost").and.include("earned");
    expect(story.fraud.toLowerCase()).to.include(fraudPoster.slice(0, 8));
    expect(pageErrors, "no uncaught error in the page").to.deep.equal([]);
  });

  it("shows each revoked grant verified no further than its revocation's batch", async () => {
    await page.goto(`${devnet!.webUrl}#/patient`);
    const rows = page.getByTestId("grant-row");
    await rows.nth(1).waitFor();
    for (const name of ["Clinic", "Dr Bob"]) {
      const row = rows.filter({ hasText: name });
      await row.getByText("Revoked", { exact: true }).waitFor();
      const text = (await row.locator(".verification").textContent()) ?? "";
      const batch = /batch (\d+)/.exec(text);
      // a proof at an older root than the revocation's must not count (batch 0 held no grant at all)
      if (batch) expect(Number(batch[1]), `${name}: ${text}`).to.be.greaterThan(0);
    }
  });

  it("works at a phone's width with the keyboard alone: skip link, navigation, labelled controls", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${devnet!.webUrl}#/patient`);
    await page.reload(); // a fresh load: the keyboard starts at the top
    await page.getByRole("heading", { name: "Who may see your records" }).waitFor();
    expect(Number(await page.evaluate(OVERFLOW)), "no sideways scrolling of the page").to.be.at.most(1);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(FOCUSED)).to.equal("Skip to the content");
    for (let i = 0; i < 3; i++) await page.keyboard.press("Tab");
    expect(await page.evaluate(FOCUSED)).to.equal("Operator");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Fraud proofs and slashes" }).waitFor();
    expect(page.url()).to.match(/#\/operator$/);
    expect(Number(await page.evaluate(OVERFLOW)), "no sideways scrolling of the operator page").to.be.at.most(1);
    expect(await page.evaluate(UNNAMED), "controls without a name on the operator page").to.deep.equal([]);
    for (const path of ["patient", "provider"]) {
      await page.goto(`${devnet!.webUrl}#/${path}`);
      await page.getByRole("heading", { level: 2 }).nth(2).waitFor();
      expect(await page.evaluate(UNNAMED), `controls without a name on the ${path} page`).to.deep.equal([]);
    }
  });

  it("signs with an EIP-1193 wallet's eth_signTypedData_v4 when one is present (here a test wallet signing with ethers)", async () => {
    const wallet = Wallet.createRandom();
    const requests: string[] = [];
    // the wallet's key stays in Node: the page's window.ethereum hands eth_signTypedData_v4 to ethers
    await page.exposeFunction("__testWalletSign", async (method: string, params: unknown[]) => {
      requests.push(method);
      if (method !== "eth_signTypedData_v4") throw new Error(`the test wallet does not do ${method}`);
      const td = JSON.parse(params[1] as string) as { domain: TypedDataDomain; types: Record<string, TypedDataField[]>; message: Record<string, unknown> };
      if (String(params[0]).toLowerCase() !== wallet.address.toLowerCase()) throw new Error(`asked to sign for ${params[0]}`);
      const { EIP712Domain: _domain, ...types } = td.types;
      return wallet.signTypedData(td.domain, types, td.message);
    });
    await page.addInitScript(`window.ethereum = {
      request: async ({ method, params }) => {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return ["${wallet.address}"];
        if (method === "eth_chainId") return "0x7a69";
        return window.__testWalletSign(method, params || []);
      },
      on() {},
      removeListener() {},
    };`);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${devnet!.webUrl}#/patient`);
    await page.reload();
    await page.getByLabel("New identity's name").fill("Carol");
    await page.getByRole("button", { name: "Use my browser wallet" }).click();
    await page.getByTestId("identity-patient-status").getByText("Acting as the wallet account").waitFor({ timeout: 120_000 });
    expect(await page.getByLabel("Acting as (patient)").locator("option:checked").textContent()).to.match(/^Carol .* · wallet$/);
    await page.getByRole("button", { name: "Sign and grant" }).click();
    await page.getByTestId("grant-status").getByText("Granted").waitFor({ timeout: 120_000 });
    await page.getByTestId("grant-row").first().waitFor({ timeout: 120_000 });
    expect(requests.filter((m) => m === "eth_signTypedData_v4")).to.have.length(2); // the encryption key, then the grant
    const history = (await (
      await fetch(devnet!.apiUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ephr_getPatientHistory", params: [wallet.address, { types: ["GrantConsent"] }] }),
      })
    ).json()) as { result: { signer: string }[] };
    expect(history.result.map((h) => h.signer.toLowerCase())).to.deep.equal([wallet.address.toLowerCase()]);
  });

  it("governance: a patient's policy grants a credentialed specialist's request; an emergency clinician breaks the glass and the patient is alerted; the auditor's flag of a probing reader reaches the probed patient", async () => {
    const gov = await browser!.context.newPage();
    const errors: string[] = [];
    gov.on("pageerror", (e) => errors.push(e.message));
    try {
      // Alice (the first story's patient) has a laboratory record for the specialist to probe
      const r = await runGovernanceStory(gov, devnet!.webUrl, {}, { probe: "Alice" });
      expect(r.issuers).to.include("Devnet medical board");
      expect(r.credentials).to.include("specialist").and.include("Devnet medical board");
      expect(r.policy).to.match(/a specialist credentialed by Devnet medical board.*read.*Laboratory.*14 days from the request/);
      expect(r.requested).to.match(/^You may read Dana \(0x[0-9a-fA-F]{6}…[0-9a-fA-F]{4}\)'s laboratory records until /);
      expect(r.glass).to.match(/^You may read Dana .*'s laboratory records until /);
      expect(r.alert).to.match(/Dr Ortiz \(0x[0-9a-fA-F]{6}…[0-9a-fA-F]{4}\) broke the glass: emergency read of your laboratory records without your consent/);
      expect(r.alert).to.match(/It is still open/);
      expect(r.grants).to.include("granted by your policy #1");
      expect(r.afterRemoval, "a removed policy's grants run on").to.match(/read.*Laboratory/);
      expect(r.flag).to.match(
        /^Auditor: The auditor flagged probing: Dr Kim \(0x[0-9a-fA-F]{6}…[0-9a-fA-F]{4}\) was refused 5 reads of 1 patients by the vault/,
      );
      expect(r.flag).to.match(/the auditor's flag \(not on the ledger\)/);
      expect(r.custody).to.match(/^Entrusted: Laboratory; [1-9]\d* records? shared with the custodian/);
      expect(r.emergencyRead, "decrypted with a key the custodian wrapped").to.match(/Decrypted: Observation/);
      expect(r.auditor).to.include("probing").and.include("Dr Kim");
      expect(r.auditor).to.not.match(/cannot be shown|AUDITOR_/);
      // the governance sections, filled in, at a phone's width: nothing scrolls sideways, every control is named
      await gov.setViewportSize({ width: 390, height: 844 });
      for (const path of ["patient", "provider", "operator"]) {
        await gov.goto(`${devnet!.webUrl}#/${path}`);
        await gov.reload();
        await gov.getByRole("heading", { level: 2 }).nth(3).waitFor();
        await gov.waitForTimeout(1500); // the tables' first reads
        expect(Number(await gov.evaluate(OVERFLOW)), `no sideways scrolling of the ${path} page`).to.be.at.most(1);
        expect(await gov.evaluate(UNNAMED), `controls without a name on the ${path} page`).to.deep.equal([]);
      }
      expect(errors, "no uncaught error in the page").to.deep.equal([]);
    } finally {
      await gov.close();
    }
  });

  it("forces a revocation paid by an EIP-1193 wallet (eth_requestAccounts, eth_sendTransaction): too poor, then declined (4001: nothing queued), then paid, queued from the wallet's account and included by a batch", async () => {
    const l1 = new JsonRpcProvider(devnet!.l1Url, undefined, { staticNetwork: true });
    const chainId = (await l1.getNetwork()).chainId;
    const inbox = new Contract(await new Contract(devnet!.rollup, rollupAbi, l1).getFunction("inbox")(), forcedInboxAbi, l1);
    const wallet = Wallet.createRandom().connect(l1);
    const asked: string[] = [];
    let decline = false;
    // the wallet's key stays in Node; an answer {error} becomes an EIP-1193 error (with its code) in the page
    const answer = async (method: string, params: Record<string, string>[]) => {
      asked.push(method);
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [wallet.address];
      if (method === "eth_chainId") return toQuantity(chainId);
      if (method !== "eth_sendTransaction") throw new Error(`the test wallet does not do ${method}`);
      if (decline) return { error: { code: 4001, message: "User rejected the request." } };
      const t = params[0]!;
      if (t.from?.toLowerCase() !== wallet.address.toLowerCase()) throw new Error(`asked to send from ${t.from}`);
      const sent = await wallet.sendTransaction({
        to: t.to,
        data: t.data,
        gasLimit: t.gas,
        maxFeePerGas: t.maxFeePerGas,
        maxPriorityFeePerGas: t.maxPriorityFeePerGas,
        chainId,
      });
      return sent.hash;
    };
    const w = await browser!.context.newPage();
    const errors: string[] = [];
    w.on("pageerror", (e) => errors.push(e.message));
    try {
      await w.exposeFunction("__testWallet", async (method: string, params: Record<string, string>[]) => {
        try {
          const r = await answer(method, params);
          return r !== null && typeof r === "object" && "error" in r ? r : { result: r };
        } catch (e) {
          return { error: { code: -32603, message: (e as Error).message } };
        }
      });
      await w.addInitScript(`window.ethereum = {
        request: async ({ method, params }) => {
          const r = await window.__testWallet(method, params || []);
          if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
          return r.result;
        },
        on() {},
        removeListener() {},
      };`);
      // a patient acting with a dev key grants a doctor; the wallet only pays for L1
      await go(w, devnet!.webUrl, "provider");
      await createIdentity(w, "provider", "Dr Fay");
      await go(w, devnet!.webUrl, "patient");
      await createIdentity(w, "patient", "Erin");
      await choose(w, "Who", "Dr Fay");
      await w.getByRole("button", { name: "Sign and grant" }).click();
      await w.getByTestId("grant-status").getByText("Granted").waitFor({ timeout: LONG });
      const row = w.getByTestId("grant-row").filter({ hasText: "Dr Fay" });
      await row.waitFor({ timeout: LONG });
      const force = row.getByRole("button", { name: /^Force the revocation of Dr Fay \(0x.*\) through the L1 inbox, paid by your wallet$/ });
      expect(await force.textContent()).to.equal("Force via L1 (your wallet pays)");
      const before = Number(await inbox.getFunction("count")());

      // an empty account: said before the wallet is asked to send anything
      await force.click();
      const alert = row.locator('[role="alert"]');
      await alert.getByText("WALLET_INSUFFICIENT_FUNDS").waitFor({ timeout: LONG });
      expect(await alert.textContent()).to.include(`Your wallet's account ${wallet.address} holds 0 ETH on L1 (chain ${chainId})`);
      expect(asked).to.not.include("eth_sendTransaction");

      // funded, but the user declines in the wallet: the page says so, and nothing is queued
      const treasury = new Wallet(DEV_KEYS[DEV_ROLES.treasury]!, l1);
      await (await treasury.sendTransaction({ to: wallet.address, value: parseEther("1") })).wait();
      decline = true;
      await force.click();
      await alert.getByText("WALLET_DECLINED").waitFor({ timeout: LONG });
      expect(await alert.textContent()).to.include("You declined the L1 transaction in your wallet: nothing was queued in the L1 inbox");
      expect(asked.filter((m) => m === "eth_sendTransaction")).to.have.length(1);
      expect(Number(await inbox.getFunction("count")()), "nothing queued after the refusal").to.equal(before);

      // the wallet pays: queued from the wallet's account, then included by a batch
      decline = false;
      await force.click();
      const forced = w.getByTestId("forced-status");
      await forced.getByText(`Queued in the L1 inbox as entry #${before} by ${wallet.address.slice(0, 8)}`).waitFor({ timeout: LONG });
      expect(await forced.textContent()).to.include("paid by your wallet");
      const [queued] = await inbox.queryFilter(inbox.filters.TransactionQueued!(before));
      expect((queued as EventLog).args.sender).to.equal(wallet.address);
      await forced.getByText("Included by a batch").waitFor({ timeout: LONG });
      await row.getByText("came through the L1 inbox").waitFor({ timeout: LONG });
      expect(
        asked.filter((m) => m === "eth_signTypedData_v4"),
        "the dev-key patient signs in the app, not in the wallet",
      ).to.deep.equal([]);
      expect(errors, "no uncaught error in the page").to.deep.equal([]);
    } finally {
      await w.close();
    }
  });
});

// Run in the page (as text: this file is compiled without the DOM's types).
const FOCUSED = "document.activeElement && document.activeElement.textContent";
const OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth";
/** Form controls a screen reader could not name: no label, no aria-label, no text. */
const UNNAMED = `[...document.querySelectorAll("input, select, textarea, button")]
  .filter((e) => !(e.labels && e.labels.length > 0) && !e.getAttribute("aria-label") && !(e.textContent || "").trim())
  .map((e) => e.outerHTML.slice(0, 80))`;
