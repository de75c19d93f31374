import { expect } from "chai";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ProgramNotBuiltError, programArgs, REPO_ROOT, runFrom, workerModule } from "./programs.js";

describe("programs: how a service is started as a child process", () => {
  it("runs the TypeScript source through tsx from source, and the built JavaScript under dist/ from dist", () => {
    expect(programArgs("sequencer/main.ts", { EPHR_RUN_FROM: "source" })).to.deep.equal(["--import", "tsx", join(REPO_ROOT, "sequencer/main.ts")]);
    expect(existsSync(join(REPO_ROOT, "package.json")), "the repository root").to.equal(true);
    if (existsSync(join(REPO_ROOT, "dist/sequencer/main.js"))) {
      expect(programArgs("sequencer/main.ts", { EPHR_RUN_FROM: "dist" })).to.deep.equal([join(REPO_ROOT, "dist/sequencer/main.js")]);
    }
  });

  it("names the build step when the built program is missing, and refuses an EPHR_RUN_FROM it does not know", () => {
    expect(() => programArgs("sequencer/no-such-service.ts", { EPHR_RUN_FROM: "dist" })).to.throw(ProgramNotBuiltError, /npm run build/);
    expect(() => runFrom({ EPHR_RUN_FROM: "build" })).to.throw(/EPHR_RUN_FROM must be "dist" or "source"/);
    expect(() => programArgs("sequencer/main.js", {})).to.throw(/TypeScript source path/);
  });

  it("starts a worker thread beside built code without a TypeScript loader", () => {
    expect(workerModule("file:///x/dist/sequencer/post/submitter-host.js", "submitter-worker")).to.deep.equal({
      url: new URL("file:///x/dist/sequencer/post/submitter-worker.js"),
      execArgv: [],
    });
    const ts = workerModule("file:///x/sequencer/post/submitter-host.ts", "submitter-worker");
    expect(ts.url.href).to.equal("file:///x/sequencer/post/submitter-worker.ts");
    expect(ts.execArgv).to.deep.equal(["--import", "tsx"]);
  });
});
