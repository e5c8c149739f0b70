// Placeholder until the events & rules work lands (issue #4).
export function ProductNotifications(_props: { org: string; product: { id: string; slug: string; name: string }; canEdit: boolean }) {
  return null;
}
