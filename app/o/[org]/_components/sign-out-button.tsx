"use client";

import { useState } from "react";
import { signOut } from "next-auth/react";
import { Button } from "@/components/ui/button";
import { signOutEverywhereAction } from "../session-actions";

export function SignOutButton() {
  return (
    <Button variant="ghost" size="sm" onClick={() => signOut({ callbackUrl: "/login" })}>
      Sign out
    </Button>
  );
}

/** Ends the person's sessions in every browser (a copied cookie included), then signs out here. */
export function SignOutEverywhereButton() {
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="ghost"
      size="sm"
      pending={pending}
      title="End your sessions in every browser and device"
      onClick={async () => {
        setPending(true);
        await signOutEverywhereAction({});
        await signOut({ callbackUrl: "/login" });
      }}
    >
      Sign out everywhere
    </Button>
  );
}
