"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { unreadCountAction } from "../inbox/actions";

/** The header bell: unread in-app notifications, refreshed every 15 s. */
export function InboxBell({ org, initialUnread }: { org: string; initialUnread: number }) {
  const { data: unread = initialUnread } = useQuery({
    queryKey: ["inbox-unread", org],
    queryFn: async () => {
      const result = await unreadCountAction({ org });
      return result.ok ? result.data.unread : initialUnread;
    },
    initialData: initialUnread,
    refetchInterval: 15_000,
  });
  return (
    <Link
      href={`/o/${org}/inbox`}
      className="relative rounded-md p-1.5 text-slate-600 hover:bg-slate-100"
      aria-label={unread ? `Inbox, ${unread} unread` : "Inbox, nothing unread"}
      data-testid="inbox-bell"
    >
      <svg viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden>
        <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {unread > 0 && (
        <span
          className="absolute -right-1 -top-1 min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] font-semibold leading-4 text-white"
          data-testid="inbox-unread"
        >
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </Link>
  );
}
