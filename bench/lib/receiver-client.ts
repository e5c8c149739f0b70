import type { ChildProcess } from "node:child_process";
import { forkTs, nextMessage, stopChild } from "./processes";
import type { ReceiverConfig, ReceiverMessage, ReceiverStats } from "../receiver";

/** The runner's handle on the receiver child process (bench/receiver.ts). */
export type Receiver = {
  port: number;
  url: string;
  pid: number;
  configure(config: Partial<ReceiverConfig>): Promise<void>;
  reset(): Promise<void>;
  stats(): Promise<ReceiverStats>;
  /** Resolves with the arrival time of the request that brings the count to `count`. */
  waitForCount(count: number, timeoutMs: number): Promise<{ count: number; at: number }>;
  stop(): Promise<void>;
};

const is =
  <T extends ReceiverMessage["type"]>(type: T) =>
  (m: unknown): m is Extract<ReceiverMessage, { type: T }> =>
    typeof m === "object" && m !== null && (m as { type?: string }).type === type;

export async function startReceiver(): Promise<Receiver> {
  const child: ChildProcess = forkTs("bench/receiver.ts");
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const ready = await nextMessage(child, is("ready"), 20_000).catch((e: Error) => {
    throw new Error(`receiver did not start: ${e.message}\n${stderr}`);
  });
  const ask = async (message: object) => {
    const answer = nextMessage(child, is("ack"));
    child.send(message);
    await answer;
  };
  return {
    port: ready.port,
    url: `http://127.0.0.1:${ready.port}`,
    pid: child.pid!,
    configure: (config) => ask({ type: "configure", config }),
    reset: () => ask({ type: "reset" }),
    async stats() {
      const answer = nextMessage(child, is("stats"));
      child.send({ type: "stats" });
      return (await answer).stats;
    },
    async waitForCount(count, timeoutMs) {
      const reached = nextMessage(child, is("reached"), timeoutMs);
      child.send({ type: "notifyAt", count });
      return reached;
    },
    stop: () => stopChild(child),
  };
}
