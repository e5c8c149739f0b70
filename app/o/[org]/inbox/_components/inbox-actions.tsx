"use client";

import { useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";
import { useTransition } from "react";
import { Button } from "@/components/ui/button";
import { markInboxAction } from "../actions";

function useMark(org: string) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [pending, start] = useTransition();
  const mark = (ids: string[] | "all", read: boolean) =>
    start(async () => {
      await markInboxAction({ org, ids, read });
      await queryClient.invalidateQueries({ queryKey: ["inbox-unread", org] });
      router.refresh();
    });
  return { mark, pending };
}

export function InboxActions({ org, id, read }: { org: string; id: string; read: boolean }) {
  const { mark, pending } = useMark(org);
  return (
    <Button size="sm" variant="ghost" pending={pending} onClick={() => mark([id], !read)}>
      {read ? "Mark unread" : "Mark read"}
    </Button>
  );
}

export function MarkAllRead({ org }: { org: string }) {
  const { mark, pending } = useMark(org);
  return (
    <Button variant="secondary" pending={pending} onClick={() => mark("all", true)}>
      Mark all read
    </Button>
  );
}
