import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { adoptWriteLock, sharedWriteLock, withWriteLock } from "./write-lock";

/**
 * The lock between herald start's threads: a transaction waits while another
 * thread holds it and runs as soon as it is released; nested calls on one
 * thread do not wait for themselves.
 */

// A thread that takes the lock, marks slot 1 "inside", holds it until told to go, then marks "released" and frees it.
const HOLDER = `
const { workerData, parentPort } = require("node:worker_threads");
const lock = new Int32Array(workerData);
while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1, 100);
Atomics.store(lock, 1, 1);
parentPort.postMessage("holding");
parentPort.once("message", () => {
  Atomics.store(lock, 1, 2);
  Atomics.store(lock, 0, 0);
  Atomics.notify(lock, 0, 1);
});
`;

describe("withWriteLock", () => {
  it("waits while another thread holds the lock, then runs", async () => {
    const buffer = new SharedArrayBuffer(8);
    adoptWriteLock(buffer);
    const view = new Int32Array(buffer);
    const holder = new Worker(HOLDER, { eval: true, workerData: buffer });
    await new Promise((resolve) => holder.once("message", resolve));
    expect(Atomics.load(view, 1)).toBe(1);
    // The holder gets "go" on its own thread while this one waits: our transaction must see it released.
    holder.postMessage("go");
    const seen = withWriteLock(() => Atomics.load(view, 1));
    expect(seen).toBe(2);
    expect(Atomics.load(view, 0)).toBe(0); // released after the transaction
    await holder.terminate();
  });

  it("is re-entrant on one thread and releases after a throw", () => {
    adoptWriteLock(new SharedArrayBuffer(4));
    expect(withWriteLock(() => withWriteLock(() => "nested"))).toBe("nested");
    expect(() =>
      withWriteLock(() => {
        throw new Error("rolled back");
      }),
    ).toThrow("rolled back");
    expect(withWriteLock(() => "free again")).toBe("free again");
  });

  it("shares one lock per process", () => {
    expect(sharedWriteLock()).toBe(sharedWriteLock());
  });
});
