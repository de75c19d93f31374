// Mocha reporter: the spec reporter, plus the closing line CI reads: "N passed, N failed".
// With EPHR_TEST_TIMINGS=<file> it also writes each test file's wall time (its top-level suites,
// hooks included), slowest first: where to look when the suite grows slow.
const fs = require("node:fs");
const Mocha = require("mocha");
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

class SpecWithSummary extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const timingsFile = process.env.EPHR_TEST_TIMINGS;
    const perFile = new Map();
    const started = new Map();
    if (timingsFile) {
      runner.on(EVENT_SUITE_BEGIN, (suite) => {
        if (suite.parent?.root && suite.file) started.set(suite, Date.now());
      });
      runner.on(EVENT_SUITE_END, (suite) => {
        const t0 = started.get(suite);
        if (t0 === undefined) return;
        perFile.set(suite.file, (perFile.get(suite.file) ?? 0) + (Date.now() - t0));
      });
    }
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0 };
      if (timingsFile) {
        const rows = [...perFile].sort((a, b) => b[1] - a[1]);
        const total = rows.reduce((n, [, ms]) => n + ms, 0);
        const lines = rows.map(([file, ms]) => `${(ms / 1000).toFixed(1).padStart(7)} s  ${file.replace(`${process.cwd()}/`, "")}`);
        fs.writeFileSync(timingsFile, `${lines.join("\n")}\n${(total / 1000).toFixed(1).padStart(7)} s  in all\n`);
      }
      process.stdout.write(`\n${s.passes} passed, ${s.failures} failed\n`);
    });
  }
}
module.exports = SpecWithSummary;
