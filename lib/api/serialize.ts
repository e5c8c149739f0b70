/** API bodies carry ISO 8601 UTC strings where the database has Date objects. */
export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

export function productJson(p: { id: string; slug: string; name: string; createdAt: Date }) {
  return { id: p.id, slug: p.slug, name: p.name, createdAt: p.createdAt.toISOString() };
}
