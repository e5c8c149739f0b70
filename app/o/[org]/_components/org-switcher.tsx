"use client";

import { useRouter } from "next/navigation";

export function OrgSwitcher({ current, orgs }: { current: string; orgs: { slug: string; name: string }[] }) {
  const router = useRouter();
  return (
    <select
      aria-label="Organization"
      value={current}
      onChange={(e) => router.push(e.target.value === "__new" ? "/orgs/new" : `/o/${e.target.value}/notifications`)}
      className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
    >
      {orgs.map((o) => (
        <option key={o.slug} value={o.slug}>
          {o.name}
        </option>
      ))}
      <option value="__new">+ New organization…</option>
    </select>
  );
}
