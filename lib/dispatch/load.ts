import { inArray, sql } from "drizzle-orm";
import { column, engineOf, prepared, rowsOf, type Db } from "@/db/client";
import { loadSendableChannel } from "@/lib/channels/service";
import { channels, type Severity } from "@/db/schema";
import type { RenderableEvent, SendableChannel } from "@/lib/channels/types";
import { floodSummary } from "@/lib/events/flood";

/**
 * What a claimed batch needs before it can be sent, read with one query per
 * batch (never one per delivery): the events of each delivery as renderers
 * see them, and each channel with its secrets decrypted — kept in memory by
 * channel id + updatedAt, so a busy channel is decrypted once, and an edit
 * (which bumps updatedAt) is picked up by the next batch.
 */

export type LoadedChannel = { channel: SendableChannel } | { error: string };

export class ChannelCache {
  private entries = new Map<string, { updatedAt: number; loaded: LoadedChannel }>();

  /** The channels of a batch, re-reading and decrypting only those changed since last time. */
  async load(db: Db, ids: string[]): Promise<Map<string, LoadedChannel>> {
    const unique = [...new Set(ids)];
    const versions = (await db.select({ id: channels.id, updatedAt: channels.updatedAt }).from(channels).where(inArray(channels.id, unique))).map((c) => ({
      id: c.id,
      updated_at: c.updatedAt.getTime(),
    }));
    const out = new Map<string, LoadedChannel>();
    for (const { id, updated_at } of versions) {
      const cached = this.entries.get(id);
      if (cached && cached.updatedAt === updated_at) {
        out.set(id, cached.loaded);
        continue;
      }
      const loaded = await decryptChannel(db, id);
      this.entries.set(id, { updatedAt: updated_at, loaded });
      out.set(id, loaded);
    }
    for (const id of unique) if (!out.has(id)) out.set(id, { error: "the channel was deleted" });
    return out;
  }
}

async function decryptChannel(db: Db, id: string): Promise<LoadedChannel> {
  try {
    const channel = await loadSendableChannel(db, id);
    return channel ? { channel } : { error: "the channel was deleted" };
  } catch (e) {
    // A secret that does not open (wrong HERALD_ENCRYPTION_KEY) is reported on the attempt, never thrown.
    return { error: `the channel's secrets cannot be read: ${(e as Error).message}` };
  }
}

type EventRow = {
  delivery_id: string;
  id: string;
  type: string;
  severity: Severity;
  title: string;
  data: string;
  /** Milliseconds (SQLite) or timestamptz text (PostgreSQL). */
  occurred_at: number | string;
  org_slug: string;
  org_name: string;
  product_id: string | null;
  product_slug: string | null;
  product_name: string | null;
};

/**
 * An event read from the database: its `data` is parsed on first use, since
 * webhook bodies splice the stored text in (`dataJson`) and never need it.
 * `data` is a getter on the prototype: pass the object, not a `{...copy}`.
 */
class StoredEvent implements RenderableEvent {
  id!: string;
  type!: string;
  severity!: Severity;
  title!: string;
  occurredAt!: Date;
  org!: RenderableEvent["org"];
  product!: RenderableEvent["product"];
  link!: string;
  private parsed: Record<string, unknown> | undefined;

  constructor(
    readonly dataJson: string,
    fields: Omit<RenderableEvent, "data" | "dataJson">,
  ) {
    Object.assign(this, fields);
  }

  get data(): Record<string, unknown> {
    return (this.parsed ??= JSON.parse(this.dataJson) as Record<string, unknown>);
  }
}

const byOccurrence = (a: RenderableEvent, b: RenderableEvent) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Delivery id → its events (oldest first), each with the link back to the console; a flood summary (its window from the claim) as the one event standing for them. */
export async function loadDeliveryEvents(
  db: Db,
  loading: readonly { id: string; floodMinutes: number | null }[],
  publicUrl: string,
): Promise<Map<string, RenderableEvent[]>> {
  const deliveryIds = loading.map((d) => d.id);
  const columns = `de.delivery_id, e.id, e.type, e.severity, e.title, e.occurred_at,
            o.slug AS org_slug, o.name AS org_name, e.product_id, p.slug AS product_slug, p.name AS product_name
       FROM delivery_events de
       JOIN events e ON e.id = de.event_id
       JOIN orgs o ON o.id = e.org_id
       LEFT JOIN products p ON p.id = e.product_id`;
  // The data as stored text on both engines: webhook bodies splice it in unparsed (StoredEvent).
  const rows =
    engineOf(db) === "postgres"
      ? await rowsOf<EventRow>(db, sql`SELECT e.data::text AS data, ${sql.raw(columns)} WHERE de.delivery_id = ANY(${column(deliveryIds)}::text[])`)
      : (prepared(db, `SELECT e.data, ${columns} WHERE de.delivery_id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(deliveryIds)) as EventRow[]);
  const out = new Map<string, RenderableEvent[]>();
  for (const r of rows) {
    const event = new StoredEvent(r.data, {
      id: r.id,
      type: r.type,
      severity: r.severity,
      title: r.title,
      occurredAt: new Date(r.occurred_at),
      org: { slug: r.org_slug, name: r.org_name },
      product: r.product_slug ? { id: r.product_id ?? undefined, slug: r.product_slug, name: r.product_name ?? r.product_slug } : null,
      link: eventLink(publicUrl, r.org_slug, r.id),
      snoozeLink: `${eventLink(publicUrl, r.org_slug, r.id)}?snooze=1`,
    });
    const list = out.get(r.delivery_id);
    if (list) list.push(event);
    else out.set(r.delivery_id, [event]);
  }
  // Sorted here, per delivery, not by an ORDER BY: that made SQLite copy every row, data included, into a sorter.
  for (const list of out.values()) if (list.length > 1) list.sort(byOccurrence);
  // A flood summary (lib/events/flood.ts) goes out as one message standing for its events.
  for (const { id, floodMinutes } of loading) {
    const list = out.get(id);
    if (floodMinutes !== null && list?.length) out.set(id, [floodSummary(id, list, floodMinutes, publicUrl)]);
  }
  return out;
}

function eventLink(publicUrl: string, orgSlug: string, eventId: string): string {
  return `${publicUrl}/o/${encodeURIComponent(orgSlug)}/events/${encodeURIComponent(eventId)}`;
}
