"use client";

import { useState } from "react";
import { signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { joinOrgAction } from "../actions";

/** Accepts the invitation as the signed-in person. */
export function JoinOrgButton({ token, orgName }: { token: string; orgName: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <div className="space-y-3">
      <FormMessage error={error} />
      <Button
        className="w-full"
        pending={pending}
        onClick={async () => {
          setPending(true);
          setError(undefined);
          const result = await joinOrgAction({ token });
          if (!result.ok) {
            setError(result.formError);
            setPending(false);
            return;
          }
          router.replace(`/o/${result.data.org}/notifications`);
          router.refresh();
        }}
      >
        Join {orgName}
      </Button>
    </div>
  );
}

/** Signed in as someone else: sign out, then sign in as the invited person and come back here. */
export function SwitchAccountButton({ token }: { token: string }) {
  return (
    <Button variant="secondary" className="w-full" onClick={() => signOut({ callbackUrl: `/login?callbackUrl=${encodeURIComponent(`/invite/${token}`)}` })}>
      Sign out and sign in as the invited person
    </Button>
  );
}
