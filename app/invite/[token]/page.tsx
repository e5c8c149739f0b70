import type { Metadata } from "next";
import { db } from "@/db/client";
import { AuthCard } from "@/components/auth-card";
import { findInvite } from "@/lib/accounts/members";
import { AcceptInviteForm } from "./_components/accept-invite-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Join" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = await findInvite(db(), token);
  if (!invite) {
    return (
      <AuthCard title="This invite link does not work" subtitle="It is invalid, expired or already used. Ask the owner who invited you for a new link." >
        <a href="/login" className="text-sm text-indigo-600 underline">Go to sign in</a>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Set your password" subtitle={<>You were invited as <strong>{invite.email}</strong>.</>}>
      <AcceptInviteForm token={token} email={invite.email} />
    </AuthCard>
  );
}
