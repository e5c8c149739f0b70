import type { ChannelType } from "@/db/schema/values";
import type { EventScope } from "@/lib/events/catalog";

/** What the rules panel and form get from the server: names and keys only, no secrets. */
export type ChannelOption = { id: string; name: string; type: ChannelType; enabled: boolean };
export type EventTypeOption = { key: string; title: string; scope: EventScope };
export type ProductOption = { slug: string; name: string };

export const SCOPE_GROUPS: { scope: EventScope; title: string }[] = [
  { scope: "org", title: "Organization events" },
  { scope: "product", title: "Product events" },
  { scope: "any", title: "Organization or product events" },
];
