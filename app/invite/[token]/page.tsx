import type { Metadata } from "next";
import { db } from "@/db/client";
import { AuthCard } from "@/components/auth-card";
import { describeInvite } from "@/lib/accounts/members";
import { currentUser } from "@/lib/auth/authorize";
import { AcceptInviteForm } from "./_components/accept-invite-form";
import { JoinOrgButton, SwitchAccountButton } from "./_components/join-org";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Join" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = await describeInvite(db(), token);
  if (!invite) {
    return (
      <AuthCard title="This invite link does not work" subtitle="It is invalid, expired or already used. Ask the owner who invited you for a new link.">
        <a href="/login" className="text-sm text-indigo-600 underline">
          Go to sign in
        </a>
      </AuthCard>
    );
  }
  const invitation = (
    <>
      You were invited to <strong>{invite.orgName}</strong> as {invite.role}, as <strong>{invite.email}</strong>.
    </>
  );
  // New to Herald: this link sets the account's first password and joins the org.
  if (invite.setsPassword) {
    return (
      <AuthCard title="Set your password" subtitle={invitation}>
        <AcceptInviteForm token={token} email={invite.email} />
      </AuthCard>
    );
  }
  // An account that exists: the person accepts signed in as themselves; the link alone gives nothing.
  const user = await currentUser();
  if (!user) {
    return (
      <AuthCard title={`Join ${invite.orgName}`} subtitle={<>{invitation} Sign in with that account to accept.</>}>
        <a
          href={`/login?callbackUrl=${encodeURIComponent(`/invite/${token}`)}`}
          className="inline-flex w-full items-center justify-center rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
        >
          Sign in to accept
        </a>
      </AuthCard>
    );
  }
  if (user.id !== invite.userId) {
    return (
      <AuthCard title={`This invitation is for ${invite.email}`} subtitle={<>You are signed in as {user.email}.</>}>
        <SwitchAccountButton token={token} />
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title={`Join ${invite.orgName}`}
      subtitle={
        <>
          You were invited to <strong>{invite.orgName}</strong> as {invite.role}.
        </>
      }
    >
      <JoinOrgButton token={token} orgName={invite.orgName} />
    </AuthCard>
  );
}
