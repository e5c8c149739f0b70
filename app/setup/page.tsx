import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth-card";
import { hasAnyUser } from "@/lib/auth/authorize";
import { SetupForm } from "./_components/setup-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Set up Herald" };

export default async function SetupPage() {
  // Once anyone exists, first-run setup is gone: whoever comes here (a bookmark, the README) is sent to sign in.
  if (await hasAnyUser()) redirect("/login");
  return (
    <AuthCard title="Welcome to Herald" subtitle="Create your organization and its first owner. You can invite others afterwards.">
      <SetupForm />
    </AuthCard>
  );
}
