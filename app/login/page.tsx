import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth-card";
import { currentUser, hasAnyUser } from "@/lib/auth/authorize";
import { sameOriginPath } from "@/lib/auth/redirect";
import { env } from "@/lib/env";
import { LoginForm } from "./login-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  if (!(await hasAnyUser())) redirect("/setup");
  const { callbackUrl } = await searchParams;
  // Only paths of this server, read with the URL parser, so the sign-in page cannot be used as an open redirect.
  const next = sameOriginPath(callbackUrl, env().publicUrl);
  if (await currentUser()) redirect(next);
  return (
    <AuthCard title="Sign in" subtitle="Use the e-mail and password of your Herald account.">
      <LoginForm next={next} />
    </AuthCard>
  );
}
