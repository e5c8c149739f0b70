"use client";

import { useRouter } from "next/navigation";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { expireSilenceAction } from "../actions";

export function ExpireSilence({ org, id, reason }: { org: string; id: string; reason: string }) {
  const router = useRouter();
  return (
    <ConfirmButton
      title="Expire this silence?"
      description={<>Notifications it keeps quiet (“{reason}”) go out again from now on. It stays listed as expired, with the events it silenced.</>}
      confirmLabel="Expire now"
      onConfirm={async () => {
        const result = await expireSilenceAction({ org, id });
        if (!result.ok) return result.formError ?? "Could not expire the silence";
        router.refresh();
      }}
    >
      Expire
    </ConfirmButton>
  );
}
