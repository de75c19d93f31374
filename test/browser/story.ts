/**
 * The README's walkthrough, clicked through in a real browser: a patient, a clinic and a doctor each
 * made in the app (dev keys), grants, an encrypted FHIR upload, a read, a revocation, the read denied,
 * a revocation forced through the L1 inbox, and the operator page through a fraud proof. Used by the
 * browser test (which checks each step) and by `npm run screenshots` (which also photographs them).
 */
import type { Locator, Page } from "playwright-core";

export interface StoryHooks {
  /** called at the moments worth a picture */
  shot?: (name: string, page: Page) => Promise<void>;
  /** post a dishonest batch on the devnet's L1 (the operator page must then show its fraud proof) */
  provokeFraud: () => Promise<{ index: number }>;
  /** each step's name, as it starts */
  step?: (name: string) => void;
}

export const LONG = 120_000;

export async function go(page: Page, base: string, path: "patient" | "provider" | "operator") {
  await page.goto(`${base}#/${path}`);
  await page.getByRole("heading", { level: 2 }).first().waitFor();
}

export async function createIdentity(page: Page, role: "patient" | "provider", name: string) {
  await page.getByLabel("New identity's name").fill(name);
  await page.getByRole("button", { name: "Create with a dev key" }).click();
  await page.getByTestId(`identity-${role}-status`).getByText(`${name} created`).waitFor({ timeout: LONG });
}

export async function actAs(page: Page, role: "patient" | "provider", name: string) {
  const select = page.getByLabel(`Acting as (${role})`);
  const value = await select.locator("option", { hasText: `${name} (` }).getAttribute("value");
  await select.selectOption(value!);
}

export async function choose(scope: Page | Locator, label: string, name: string) {
  const select = scope.getByLabel(label, { exact: true });
  const value = await select
    .locator("option", { hasText: `${name} (` })
    .first()
    .getAttribute("value");
  await select.selectOption(value!);
}

export interface StoryResult {
  decrypted: string;
  denial: string;
  forced: string;
  trail: string;
  fraud: string;
  badBatch: number;
}

export async function runStory(page: Page, base: string, hooks: StoryHooks): Promise<StoryResult> {
  const step = hooks.step ?? (() => undefined);
  const shot = hooks.shot ?? (async () => undefined);

  step("the patient, the clinic and the doctor make their identities");
  await go(page, base, "patient");
  await shot("patient-empty", page);
  await createIdentity(page, "patient", "Alice");
  await go(page, base, "provider");
  await createIdentity(page, "provider", "Clinic");
  await createIdentity(page, "provider", "Dr Bob");

  step("Alice grants the clinic read and write, and Dr Bob read, of her laboratory results");
  await go(page, base, "patient");
  await choose(page, "Who", "Clinic");
  const grantForm = page.getByRole("form", { name: "Grant access" });
  await grantForm.getByRole("checkbox", { name: "Write (add records)" }).check();
  await page.getByRole("button", { name: "Sign and grant" }).click();
  await page.getByTestId("grant-status").getByText("Granted").waitFor({ timeout: LONG });
  await choose(page, "Who", "Dr Bob");
  await grantForm.getByRole("checkbox", { name: "Write (add records)" }).uncheck();
  await page.getByRole("button", { name: "Sign and grant" }).click();
  await page.getByTestId("grant-status").getByText("Granted").waitFor({ timeout: LONG });
  await page.getByTestId("grant-row").nth(1).waitFor({ timeout: LONG });
  // each grant's proof checked in the browser against the root of the Rollup's newest batch on L1
  for (const name of ["Clinic", "Dr Bob"])
    await page
      .getByTestId("grant-row")
      .filter({ hasText: name })
      .getByText(/Proof checked against L1 batch \d+'s root/)
      .waitFor({ timeout: LONG });
  await shot("patient-grants", page);

  step("the clinic uploads Alice's glucose result, encrypted in the browser, for Dr Bob too");
  await go(page, base, "provider");
  await actAs(page, "provider", "Clinic");
  const upload = page.getByRole("form", { name: "Upload a FHIR resource" });
  await choose(upload, "Patient", "Alice");
  await upload.getByRole("group", { name: "Who else may open it (besides the patient)" }).getByRole("checkbox", { name: "Dr Bob" }).check();
  await page.getByRole("button", { name: "Encrypt, store and anchor" }).click();
  await page.getByTestId("upload-result").waitFor({ timeout: LONG });

  step("Dr Bob reads it: the vault serves it, the browser checks it against the L1 anchor and decrypts it");
  await actAs(page, "provider", "Dr Bob");
  const readForm = page.getByRole("form", { name: "Read a record" });
  await choose(readForm, "Patient", "Alice");
  await readForm.getByLabel("Record").locator("option", { hasText: "Laboratory" }).first().waitFor({ state: "attached", timeout: LONG });
  await readForm.getByRole("button", { name: "Read and decrypt" }).click();
  const decrypted = await page.getByTestId("read-result").locator("strong").textContent({ timeout: LONG });
  await shot("provider-read", page);

  step("Alice revokes Dr Bob");
  await go(page, base, "patient");
  const bobRow = page.getByTestId("grant-row").filter({ hasText: "Dr Bob" });
  await bobRow.getByRole("button", { name: /^Revoke Dr Bob/ }).click();
  await bobRow.getByText("Revoked: executed by the sequencer.").waitFor({ timeout: LONG });

  step("Dr Bob's next read is refused, and the app says why");
  await go(page, base, "provider");
  await actAs(page, "provider", "Dr Bob");
  const readAgain = page.getByRole("form", { name: "Read a record" });
  await choose(readAgain, "Patient", "Alice");
  await readAgain.getByLabel("Record").locator("option", { hasText: "Laboratory" }).first().waitFor({ state: "attached", timeout: LONG });
  await readAgain.getByRole("button", { name: "Read and decrypt" }).click();
  const denial = (await page.getByTestId("read-status").locator(".error-text").textContent({ timeout: LONG })) ?? "";
  await shot("provider-denied", page);

  step("Alice forces the clinic's revocation through the L1 inbox");
  await go(page, base, "patient");
  const clinicRow = page.getByTestId("grant-row").filter({ hasText: "Clinic" });
  await clinicRow.getByRole("button", { name: /^Force the revocation of Clinic/ }).click();
  const forced = page.getByTestId("forced-status");
  await forced.getByText("Included by a batch").waitFor({ timeout: LONG });
  const forcedText = (await forced.textContent()) ?? "";
  await clinicRow.getByText("came through the L1 inbox").waitFor({ timeout: LONG });
  await page.getByTestId("trail").locator("li").first().waitFor({ timeout: LONG });
  const trail = (await page.getByTestId("trail").textContent()) ?? "";
  await shot("patient", page);

  step("a dishonest proposer posts a bad batch; the operator page shows the watcher's fraud proof and the slash");
  await go(page, base, "operator");
  const bad = await hooks.provokeFraud();
  const fraudRow = page
    .getByTestId("frauds")
    .locator("tbody tr")
    .filter({ hasText: `#${bad.index}` });
  await fraudRow.waitFor({ timeout: LONG });
  const fraud = (await fraudRow.textContent()) ?? "";
  await page.getByTestId("batches").locator('tr[data-status="reverted"]').first().waitFor({ timeout: LONG });
  await page.getByTestId("inbox").locator("tbody tr").first().waitFor({ timeout: LONG });
  await shot("operator", page);
  return { decrypted: decrypted ?? "", denial, forced: forcedText, trail, fraud, badBatch: bad.index };
}
