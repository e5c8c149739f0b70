// Placeholder until the events & rules work lands (issue #4).
// Helpers: read /work/notes/ui-contract.md (the lead changed these props: async server component loading its own data), then replace this file.
export async function RulesSection(_props: { org: string; orgId: string; canEdit: boolean }) {
  return null;
}
