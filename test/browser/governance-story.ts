/**
 * The README's governance walkthrough, clicked through in a real browser on `npm start`'s devnet (whose
 * registrar registered the devnet's medical board as a credential issuer): the board credentials a
 * specialist and an emergency clinician (operator page); a patient sets a policy letting the board's
 * specialists read her laboratory results for 14 days; the specialist requests access under it and
 * gets the grant; the emergency clinician breaks the glass; the patient sees both grants, the
 * break-glass alert, revokes the emergency access and removes the policy (the specialist's grant stands). With `probe` (a patient with a laboratory record anchored, as the
 * first story leaves Alice), the specialist then tries that patient's record five times without
 * consent: the vault refuses each, the auditor flags the probing, and that patient's page shows the
 * flag; that patient then entrusts her laboratory results to the key custodian, and the emergency
 * clinician breaks the glass for her and reads her record with a key from the custodian. Used by the
 * browser test and by `npm run screenshots`.
 */
import type { Page } from "playwright-core";
import { actAs, choose, createIdentity, go, LONG, type StoryHooks } from "./story.js";

export interface GovernanceResult {
  credentials: string;
  policy: string;
  requested: string;
  glass: string;
  alert: string;
  grants: string;
  issuers: string;
  auditor: string;
  /** the specialist's grant after the policy that made it was removed */
  afterRemoval: string;
  /** the auditor's flag as the probed patient's page shows it (with `probe`) */
  flag: string | null;
  /** what the probed patient entrusted to the key custodian (with `probe`) */
  custody: string | null;
  /** the emergency clinician's read of the probed patient's record with a key from the custodian (with `probe`) */
  emergencyRead: string | null;
}

/** Refused reads that make the auditor flag probing (DEFAULT_RULES.probing.denials within an hour). */
const PROBES = 5;

/** Names made unique by `suffix`, so that the story can run again in the same browser profile. */
export async function runGovernanceStory(
  page: Page,
  base: string,
  hooks: Pick<StoryHooks, "shot" | "step"> = {},
  opts: { suffix?: string; probe?: string } = {},
): Promise<GovernanceResult> {
  const suffix = opts.suffix ?? "";
  const step = hooks.step ?? (() => undefined);
  const shot = hooks.shot ?? (async () => undefined);
  const [patient, kim, ortiz] = [`Dana${suffix}`, `Dr Kim${suffix}`, `Dr Ortiz${suffix}`];

  step("a patient and two clinicians make their identities");
  await go(page, base, "patient");
  await createIdentity(page, "patient", patient);
  await go(page, base, "provider");
  await createIdentity(page, "provider", kim);
  await createIdentity(page, "provider", ortiz);

  step("the devnet's medical board credentials the specialist and the emergency clinician (operator page)");
  await go(page, base, "operator");
  const issue = page.getByRole("form", { name: "Issue a credential as the devnet's issuer" });
  for (const [who, role] of [
    [kim, "specialist"],
    [ortiz, "emergency clinician"],
  ] as const) {
    await choose(issue, "Holder", who);
    await issue.getByLabel("Role", { exact: true }).selectOption({ label: role });
    await issue.getByRole("button", { name: "Sign and issue the credential" }).click();
    await page.getByTestId("issue-status").getByText(`Credentialed ${who} (`).waitFor({ timeout: LONG });
  }
  const issuers = (await page.getByTestId("issuers").textContent({ timeout: LONG })) ?? "";

  step("the patient sets a policy: the board's specialists may read her laboratory results for 14 days, on request");
  await go(page, base, "patient");
  await actAs(page, "patient", patient);
  const form = page.getByRole("form", { name: "Add a policy" });
  await form.getByLabel("Who may ask: holders of the role").selectOption({ label: "specialist" });
  await form.getByLabel("Credentialed by (issuer)").locator("option", { hasText: "Devnet medical board" }).waitFor({ state: "attached", timeout: LONG });
  await form.getByLabel("For how many days from each request").fill("14");
  await form.getByRole("button", { name: "Sign and add the policy" }).click();
  await page.getByTestId("policy-status").getByText("Policy #1 set").waitFor({ timeout: LONG });
  const policyRow = page.getByTestId("policy-row").filter({ hasText: "#1" });
  await policyRow.waitFor({ timeout: LONG });
  const policy = (await policyRow.textContent()) ?? "";

  step("the specialist sees her credential, requests access under the policy and gets the grant");
  await go(page, base, "provider");
  await actAs(page, "provider", kim);
  const credentials = (await page.getByTestId("credentials").textContent({ timeout: LONG })) ?? "";
  const request = page.getByRole("form", { name: "Request access under a policy" });
  await choose(request, "Patient", patient);
  await request.getByLabel("Under the patient's policy").locator("option", { hasText: "#1:" }).waitFor({ state: "attached", timeout: LONG });
  await request.getByRole("button", { name: "Sign and request access" }).click();
  await page.getByTestId("request-status").getByText("Granted by policy #1").waitFor({ timeout: LONG });
  const requested = (await page.getByTestId("request-result").locator("strong").textContent({ timeout: LONG })) ?? "";
  await shot("provider-governance", page);

  step("the emergency clinician breaks the glass, warned that it is logged and alerted");
  await actAs(page, "provider", ortiz);
  const glass = page.getByRole("form", { name: "Break the glass" });
  await page.getByTestId("credentials").getByText("emergency clinician").waitFor({ timeout: LONG });
  await choose(glass, "Patient in your care", patient);
  await glass.getByRole("checkbox", { name: /I understand that this opening is logged/ }).check();
  await glass.getByRole("button", { name: "Break the glass" }).click();
  await page.getByTestId("glass-status").getByText("Glass broken").waitFor({ timeout: LONG });
  const glassText = (await page.getByTestId("glass-result").locator("strong").textContent({ timeout: LONG })) ?? "";

  step("the patient sees the break-glass alert, and both grants with how they came");
  await go(page, base, "patient");
  const alertItem = page.getByTestId("alerts").locator('li[data-kind="break-glass"]').filter({ hasText: ortiz });
  await alertItem.waitFor({ timeout: LONG });
  const alert = (await alertItem.textContent()) ?? "";
  await page.getByTestId("grant-row").filter({ hasText: ortiz }).getByText("break-glass").waitFor({ timeout: LONG });
  const grants = (await page.getByTestId("grant-row").filter({ hasText: kim }).textContent({ timeout: LONG })) ?? "";
  await shot("patient-governance", page);

  step("the patient ends the emergency access and removes her policy; the specialist's grant stands");
  const ortizRow = page.getByTestId("grant-row").filter({ hasText: ortiz });
  await ortizRow.getByRole("button", { name: new RegExp(`^Revoke ${ortiz}`) }).click();
  await ortizRow.getByText("Revoked: executed by the sequencer.").waitFor({ timeout: LONG });
  await alertItem.getByText("You have revoked or replaced it.").waitFor({ timeout: LONG });
  await policyRow.getByRole("button", { name: "Remove policy #1" }).click();
  await page.getByText("You have no policy").waitFor({ timeout: LONG });
  await page.reload(); // everything read afresh
  await page.getByText("You have no policy").waitFor({ timeout: LONG });
  const afterRemoval = (await page.getByTestId("grant-row").filter({ hasText: kim }).textContent({ timeout: LONG })) ?? "";

  let flag: string | null = null;
  let custody: string | null = null;
  let emergencyRead: string | null = null;
  if (opts.probe) {
    step(`the specialist tries ${opts.probe}'s laboratory record ${PROBES} times without consent; the auditor flags it and ${opts.probe} sees the flag`);
    await go(page, base, "provider");
    await actAs(page, "provider", kim);
    const read = page.getByRole("form", { name: "Read a record" });
    await choose(read, "Patient", opts.probe);
    await read.getByLabel("Record").locator("option", { hasText: "Laboratory" }).first().waitFor({ state: "attached", timeout: LONG });
    for (let i = 0; i < PROBES; i++) {
      // each click waits for the vault's refusal (403), so that every one is a denial in its log
      await Promise.all([
        page.waitForResponse((r) => r.request().method() === "POST" && r.status() === 403, { timeout: LONG }),
        read.getByRole("button", { name: "Read and decrypt" }).click(),
      ]);
    }
    await go(page, base, "patient");
    await actAs(page, "patient", opts.probe);
    const item = page.getByTestId("alerts").locator('li[data-kind="auditor-flag"]').filter({ hasText: kim });
    await item.waitFor({ timeout: LONG });
    flag = (await item.textContent()) ?? "";
    await shot("patient-auditor-flag", page);

    step(
      `${opts.probe} entrusts her laboratory results to the key custodian; the emergency clinician breaks the glass for her and reads her record with a key from the custodian`,
    );
    const entrust = page.getByRole("form", { name: "Entrust records to the key custodian" });
    await entrust.getByRole("button", { name: "Entrust and share" }).click();
    await page.getByTestId("custody-status").getByText("Entrusted:").waitFor({ timeout: LONG });
    custody = (await page.getByTestId("custody-result").locator("strong").textContent({ timeout: LONG })) ?? "";
    await go(page, base, "provider");
    await actAs(page, "provider", ortiz);
    await choose(glass, "Patient in your care", opts.probe);
    await glass.getByRole("checkbox", { name: /I understand that this opening is logged/ }).check();
    await glass.getByRole("button", { name: "Break the glass" }).click();
    await page.getByTestId("glass-status").getByText("Glass broken").waitFor({ timeout: LONG });
    const emergency = page.getByRole("form", { name: "Read a record" });
    await choose(emergency, "Patient", opts.probe);
    await emergency.getByLabel("Record").locator("option", { hasText: "Laboratory" }).first().waitFor({ state: "attached", timeout: LONG });
    // the custodian checks the break-glass grant in the state posted on L1: until its batch is posted, it says so; ask again
    const status = page.getByTestId("read-status");
    for (let attempt = 0; ; attempt++) {
      await emergency.getByRole("button", { name: "Key from the custodian, then read" }).click();
      await status
        .getByText(/Decrypted:|not yet in the state posted on L1|refused/)
        .first()
        .waitFor({ timeout: LONG })
        .catch(async (e: Error) => {
          // say what the page showed instead, for a failure seen once on a machine saturated by other work
          throw new Error(`the custodian read (attempt ${attempt + 1}) showed "${(await status.textContent()) ?? ""}" instead: ${e.message}`);
        });
      if ((await status.getByText("Decrypted:").count()) > 0 || attempt === 10) break;
      await page.waitForTimeout(2_000);
    }
    emergencyRead = (await status.textContent()) ?? "";
    await shot("provider-custodian", page);
  }

  step("the operator page shows the auditor's answer");
  await go(page, base, "operator");
  const audit = page.locator("#operator-audit");
  await audit
    .getByText(opts.probe ? /score/ : /The auditor has flagged nothing|score/)
    .first()
    .waitFor({ timeout: LONG });
  const auditor = (await audit.textContent()) ?? "";
  await shot("operator-governance", page);
  return { credentials, policy, requested, glass: glassText, alert, grants, afterRemoval, issuers, auditor, flag, custody, emergencyRead };
}
