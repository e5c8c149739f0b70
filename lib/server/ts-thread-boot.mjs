// Worker threads do not inherit tsx's loader: load the TypeScript entry through tsx's API (lib/server/threads.ts).
import { workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

await tsImport(workerData.entry, import.meta.url);
