"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export function NavLinks({ org, configures }: { org: string; configures: boolean }) {
  const pathname = usePathname();
  const items: { href: string; label: string; show: boolean }[] = [
    { href: "", label: "Overview", show: true },
    { href: "notifications", label: "Notifications", show: true },
    { href: "events", label: "Events", show: true },
    { href: "deliveries", label: "Delivery log", show: true },
    { href: "silences", label: "Silences", show: true },
    { href: "products", label: "Products", show: true },
    { href: "members", label: "Members", show: true },
    { href: "catchers", label: "Request catcher", show: configures },
    { href: "tokens", label: "API tokens", show: configures },
    { href: "audit", label: "Audit log", show: configures },
    { href: "api", label: "API reference", show: true },
    { href: "settings", label: "Settings", show: true },
  ];
  return (
    <ul className="space-y-0.5 text-sm max-sm:flex max-sm:flex-wrap max-sm:gap-1 max-sm:space-y-0">
      {items
        .filter((i) => i.show)
        .map((item) => {
          const href = item.href ? `/o/${org}/${item.href}` : `/o/${org}`;
          // The overview is the org's root: only the root itself is it.
          const active = pathname === href || (item.href !== "" && pathname.startsWith(href + "/"));
          return (
            <li key={item.href}>
              <Link
                href={href}
                aria-current={active ? "page" : undefined}
                className={`block rounded-md px-3 py-1.5 ${active ? "bg-indigo-50 font-medium text-indigo-700" : "text-slate-700 hover:bg-slate-100"}`}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
    </ul>
  );
}
