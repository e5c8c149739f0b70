export function productJson(p: { id: string; slug: string; name: string; createdAt: Date }) {
  return { id: p.id, slug: p.slug, name: p.name, createdAt: p.createdAt.toISOString() };
}
