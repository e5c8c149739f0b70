import fs from "node:fs";
import path from "node:path";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts the worker thread whose entry is `name` in `dir` (the caller's
 * `import.meta.dirname`). From the build (`npm run build` bundles the server
 * into dist/, entries side by side) that is `dist/<name>.mjs`. From the
 * TypeScript sources (tests, `next dev`) it is `<dir>/<name>.ts`, loaded
 * through tsx, which worker threads do not inherit (ts-thread-boot.mjs).
 */
export function startThread(dir: string, name: string, options: WorkerOptions = {}): Worker {
  const built = path.join(dir, `${name}.mjs`);
  if (fs.existsSync(built)) return new Worker(built, options);
  return new Worker(path.join(import.meta.dirname, "ts-thread-boot.mjs"), {
    ...options,
    workerData: { ...(options.workerData as object), entry: path.join(dir, `${name}.ts`) },
  });
}
