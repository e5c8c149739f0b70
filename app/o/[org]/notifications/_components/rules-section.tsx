// Placeholder until the events & rules work lands (issue #4).
export async function RulesSection(_props: { org: string; orgId: string; canEdit: boolean }) {
  return null;
}
