import type { PublicChannel } from "@/lib/channels/service";

/** What the console's channel components receive from the server (the masked public shape). */
export type ChannelView = PublicChannel;
export type RuleRef = { id: string; name: string };
/** A member of the org as the channel form lists it (inbox channels can be limited to some). */
export type OrgMember = { email: string; name: string | null };
