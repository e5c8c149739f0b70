import type { Db } from "@/db/client";
import { eventTypes } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { conflict, isUniqueViolation } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { z } from "zod";
import type { eventTypeSchema } from "@/lib/validation/events";
import { isBuiltInEventType, type EventType } from "./catalog";

export type EventTypeInput = z.output<typeof eventTypeSchema>;

const TAKEN = "is already an event type of this organization";

/** Adds a custom event type to the org's catalog; a key that is built in or already added is a 409. */
export async function createEventType(db: Db, orgId: string, actor: Actor, input: EventTypeInput): Promise<EventType> {
  if (isBuiltInEventType(input.key)) throw conflict(`"${input.key}" is a built-in event type`, { key: ["is a built-in event type"] });
  try {
    return await db.transaction(async (tx) => {
      await tx.insert(eventTypes).values({
        id: newId("evtt"),
        orgId,
        key: input.key,
        scope: input.scope,
        title: input.title,
        description: input.description,
        defaultSeverity: input.defaultSeverity,
      });
      await recordAudit(tx, {
        orgId,
        actor,
        action: "event_type.created",
        target: { type: "event_type", label: input.key },
        details: { scope: input.scope, defaultSeverity: input.defaultSeverity },
      });
      return { ...input, builtIn: false };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`"${input.key}" ${TAKEN}`, { key: [TAKEN] });
    throw e;
  }
}
