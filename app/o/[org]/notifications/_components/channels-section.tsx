// Placeholder until the channels work lands (issue #3).
// Helpers: read /work/notes/ui-contract.md (the lead changed these props: async server component loading its own data), then replace this file.
export async function ChannelsSection(_props: { org: string; orgId: string; canEdit: boolean }) {
  return null;
}
