import { db } from "@/db/client";
import { listChannels, rulesUsingChannel } from "@/lib/channels/service";
import { listMembers } from "@/lib/accounts/members";
import { env } from "@/lib/env";
import { ChannelsPanel } from "./channels-panel";

/**
 * Org settings → Notifications → Channels (server side): the org's channels in
 * their masked public shape, and the rules that use each (for the delete
 * confirmation). The page has already authorized "org:read"; every change
 * goes through channel-actions.ts, which checks "org:configure" itself.
 */
export async function ChannelsSection({ org, orgId, canEdit }: { org: string; orgId: string; canEdit: boolean }) {
  const database = db();
  const channels = await listChannels(database, orgId);
  const usedBy: Record<string, Awaited<ReturnType<typeof rulesUsingChannel>>> = {};
  for (const c of channels) usedBy[c.id] = await rulesUsingChannel(database, c.id);
  const members = canEdit ? (await listMembers(database, orgId)).map((m) => ({ email: m.email, name: m.name })) : [];
  return <ChannelsPanel org={org} canEdit={canEdit} channels={channels} usedBy={usedBy} members={members} smtpConfigured={Boolean(env().SMTP_URL)} />;
}
