import { describe, expect, it } from "vitest";
import { CHANNEL_DEFINITIONS } from "@/lib/channels/definitions";
import { Lane } from "./lanes";

describe("a lane's shared pace", () => {
  it("a throttle paces the lane at once, and a claim's read from before the throttle's write cannot unpace it", () => {
    const lane = new Lane("ch_1", CHANNEL_DEFINITIONS.webhook.lane);
    expect(lane.shared).toBe(false);
    lane.throttleWriting();
    expect(lane.shared).toBe(true);
    // A claim read the row while the write was on its way: "pace 0" is stale.
    lane.sharedPace(0, 1_000);
    expect(lane.shared).toBe(true);
    lane.throttleWritten(2_000);
    // Read before the write landed, applied after: still stale.
    lane.sharedPace(0, 1_500);
    expect(lane.shared).toBe(true);
    // Read after: the row's pace is the channel's.
    lane.sharedPace(100, 2_000);
    expect(lane.paceMs).toBe(100);
    lane.sharedPace(0, 3_000);
    expect(lane.shared).toBe(false);
  });

  it("two throttles in flight: the first write landing does not let a stale read through", () => {
    const lane = new Lane("ch_1", CHANNEL_DEFINITIONS.webhook.lane);
    lane.throttleWriting();
    lane.throttleWriting();
    lane.throttleWritten(2_000);
    lane.sharedPace(0, 2_500);
    expect(lane.shared).toBe(true);
    lane.throttleWritten(3_000);
    lane.sharedPace(50, 3_000);
    expect(lane.paceMs).toBe(50);
  });

  it("is forgotten when idle only if no hold, pace or throttle write would be lost with it", () => {
    const lane = new Lane("ch_1", CHANNEL_DEFINITIONS.webhook.lane);
    expect(lane.idle(0)).toBe(true);
    lane.holdFor(1_000, 0);
    expect(lane.idle(500)).toBe(false);
    expect(lane.idle(1_000)).toBe(true);
    lane.throttleWriting();
    expect(lane.idle(2_000)).toBe(false);
    lane.throttleWritten(2_000);
    expect(lane.idle(2_000)).toBe(false); // paced until a claim reads the row's pace
    lane.sharedPace(0, 2_000);
    expect(lane.idle(2_000)).toBe(true);
    expect(new Lane("ch_2", CHANNEL_DEFINITIONS.slack.lane).idle(0)).toBe(false);
  });
});
