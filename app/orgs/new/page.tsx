import type { Metadata } from "next";
import { AuthCard } from "@/components/auth-card";
import { requireUser } from "@/lib/auth/authorize";
import { NewOrgForm } from "./_components/new-org-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "New organization" };

export default async function NewOrgPage() {
  await requireUser();
  return (
    <AuthCard title="New organization" subtitle="You become its owner; switch between organizations from the header.">
      <NewOrgForm />
    </AuthCard>
  );
}
