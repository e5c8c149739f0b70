// Placeholder until the channels work lands (issue #3).
export async function ChannelsSection(_props: { org: string; orgId: string; canEdit: boolean }) {
  return null;
}
