import { describe, expect, it } from "vitest";
import type { Job } from "./attempt";
import { LaneScheduler } from "./lane-scheduler";
import type { Lane } from "./lanes";
import { CONNECTIONS_PER_ORIGIN } from "./policy";

/** A job as the scheduler sees it: only its delivery's id and channel matter here. */
const job = (id: string, channelId: string) => ({ delivery: { id, channelId } }) as unknown as Job;

/** A scheduler whose sends stay in flight until the test finishes them. */
function scheduler(concurrency: number) {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const settled: string[] = [];
  const s = new LaneScheduler(concurrency, {
    run: (_lane: Lane<Job>, j: Job) => {
      started.push(j.delivery.id);
      return new Promise<void>((resolve) => finish.set(j.delivery.id, resolve));
    },
    settled: (j) => settled.push(j.delivery.id),
    accepting: () => true,
  });
  const done = async (id: string) => {
    finish.get(id)!();
    await new Promise((r) => setImmediate(r));
  };
  return { s, started, settled, done };
}

describe("the lane scheduler", () => {
  it("starts no more than its concurrency, lanes taking turns, and starts the next when a send settles", async () => {
    const { s, started, settled, done } = scheduler(3);
    for (let i = 0; i < 4; i++) s.enqueue(job(`a${i}`, "ch_a"), "webhook", "http://a.test");
    for (let i = 0; i < 2; i++) s.enqueue(job(`b${i}`, "ch_b"), "webhook", "http://b.test");
    s.pump();
    expect(started).toEqual(["a0", "b0", "a1"]);
    expect(s.inFlight).toBe(3);
    await done("b0");
    expect(settled).toEqual(["b0"]);
    expect(started).toHaveLength(4);
    expect(s.inFlight).toBe(3);
  });

  it("never sends more to one origin than the agent's connections to it, whatever the channels", async () => {
    const { s, started, done } = scheduler(4 * CONNECTIONS_PER_ORIGIN);
    for (let i = 0; i < CONNECTIONS_PER_ORIGIN; i++) s.enqueue(job(`a${i}`, "ch_a"), "webhook", "http://same.test");
    for (let i = 0; i < 10; i++) s.enqueue(job(`b${i}`, "ch_b"), "webhook", "http://same.test");
    s.enqueue(job("c0", "ch_c"), "webhook", "http://other.test");
    s.pump();
    expect(started).toHaveLength(CONNECTIONS_PER_ORIGIN + 1);
    expect(started).toContain("c0");
    await done(started[0]);
    expect(started).toHaveLength(CONNECTIONS_PER_ORIGIN + 2);
  });

  it("paces a Slack lane to one message in flight, and hands back what a lane has not started", () => {
    const { s, started } = scheduler(10);
    for (let i = 0; i < 3; i++) s.enqueue(job(`s${i}`, "ch_s"), "slack", "https://hooks.slack.com");
    s.pump();
    expect(started).toEqual(["s0"]);
    expect(s.waitingChannels()).toEqual(["ch_s"]);
    expect(s.takeQueued(s.lane("ch_s")!).map((j) => j.delivery.id)).toEqual(["s1", "s2"]);
    expect(s.waitingChannels()).toEqual([]);
  });

  it("is drained once the last send settles", async () => {
    const { s, done } = scheduler(2);
    s.enqueue(job("a0", "ch_a"), "webhook", null);
    s.pump();
    let drained = false;
    void s.drained().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    await done("a0");
    expect(drained).toBe(true);
  });
});
