/** The registry of EPHR_* variables: complete against the source, and helpful about a misspelt one. */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { ALL_SETTINGS, unknownSettings, unknownSettingsWarning } from "./settings-registry.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("the EPHR_* settings registry", () => {
  it("knows every EPHR_* variable the source names (a new setting must be registered, or it would be reported as unknown)", () => {
    const out = execFileSync(
      "git",
      ["grep", "-hoE", "EPHR_[A-Z0-9_]+[A-Z0-9]", "--", "*.ts", ":!*.test.ts", ":!dist", ":!sequencer/services/settings-registry.ts"],
      { cwd: ROOT, encoding: "utf8" },
    );
    const named = new Set(out.split("\n").filter(Boolean));
    // prefixes written in prose (EPHR_VAULT_S3_*) and the ones the services build from their schemas
    const missing = [...named].filter((n) => !ALL_SETTINGS.has(n) && ![...ALL_SETTINGS].some((k) => k.startsWith(`${n}_`)));
    expect(missing, "EPHR_ names in the source that no registry lists").to.deep.equal([]);
  });

  it("names a misspelt variable with the nearest known one, and leaves every known one alone", () => {
    expect(unknownSettings({ EPHR_MAX_BATCH_TX: "1", EPHR_MAX_BATCH_TXS: "2", PATH: "/bin" })).to.deep.equal([
      { name: "EPHR_MAX_BATCH_TX", nearest: "EPHR_MAX_BATCH_TXS" },
    ]);
    expect(unknownSettings({ EPHR_SOMETHING_ELSE_ENTIRELY: "1" })).to.deep.equal([{ name: "EPHR_SOMETHING_ELSE_ENTIRELY", nearest: null }]);
    expect(unknownSettingsWarning({ EPHR_WATCHER_POL_MS: "5" })).to.equal(
      "no part of ephr-rollup reads EPHR_WATCHER_POL_MS (did you mean EPHR_WATCHER_POLL_MS?): the setting is ignored",
    );
    expect(unknownSettingsWarning(Object.fromEntries([...ALL_SETTINGS].map((n) => [n, "x"])))).to.equal("");
  });
});
