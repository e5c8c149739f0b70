import { truncate } from "../format";
import type { ChannelModule, RenderableEvent, RenderedMessage, SendResult } from "../types";

/**
 * The in-app inbox (DESIGN §2): events shown in the console to the org's
 * members. Nothing leaves Herald, so there is nothing to reach: the
 * dispatcher writes inbox items in the database (transport "database").
 */

function render(_config: unknown, events: RenderableEvent[]): RenderedMessage[] {
  return events.map((e) => ({ kind: "inbox", title: truncate(e.title, 500) }));
}

async function send(): Promise<SendResult> {
  return {
    ok: false,
    durationMs: 0,
    retryable: false,
    error: "inbox channels are written to the database by the dispatcher, not sent",
  };
}

export const inbox: ChannelModule = {
  type: "inbox",
  transport: "database",
  validate: async () => ({}),
  render,
  send,
};
