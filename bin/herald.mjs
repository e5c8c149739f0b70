// `npm run herald` and `npm start` run the CLI as `npm run build` bundled it (dist/herald.mjs):
// plain JavaScript, no TypeScript loader in the server or its threads (docs/performance.md).
import fs from "node:fs";

const built = new URL("../dist/herald.mjs", import.meta.url);
if (!fs.existsSync(built)) {
  console.error("herald: not built yet: run `npm run build` first (it builds the console and the server).");
  process.exit(1);
}
await import(built.href);
