import type { Metadata } from "next";
import { db } from "@/db/client";
import { PageHeader } from "@/components/ui/card";
import { listTokens } from "@/lib/accounts/tokens";
import { authorizePage } from "@/lib/auth/page-guard";
import { TokensPanel } from "./_components/tokens-panel";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { org: o } = await authorizePage(org, "org:configure");
  const tokens = (await listTokens(db(), o.id)).map((t) => ({
    ...t,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  }));
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Producers post events and scripts call the API with these. A token is shown once; Herald keeps only its hash."
      />
      <TokensPanel org={org} tokens={tokens} />
    </>
  );
}
