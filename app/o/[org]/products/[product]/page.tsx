import type { Metadata } from "next";
import { db } from "@/db/client";
import { Card, PageHeader } from "@/components/ui/card";
import { listMembers } from "@/lib/accounts/members";
import { listProductAdmins, productBySlug } from "@/lib/accounts/products";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { AppError } from "@/lib/errors";
import { notFound } from "next/navigation";
import { ProductSettings } from "./_components/product-settings";
import { ProductNotifications } from "./_components/product-notifications";
import { TestAlertLauncher } from "../../notifications/_components/test-alert-launcher";

export const metadata: Metadata = { title: "Product" };

export default async function ProductPage({ params }: { params: Promise<{ org: string; product: string }> }) {
  const { org, product: slug } = await params;
  const { principal, org: o } = await authorizePage(org, "org:read");
  let product;
  try {
    product = await productBySlug(db(), o.id, slug);
  } catch (e) {
    if (e instanceof AppError) notFound();
    throw e;
  }
  const canConfigureOrg = can(principal, "org:configure");
  const canConfigureProduct = can(principal, "product:configure", product.id);
  const admins = await listProductAdmins(db(), product.id);
  const members = canConfigureOrg ? (await listMembers(db(), o.id)).map(({ userId, email }) => ({ userId, email })) : [];
  return (
    <>
      <PageHeader
        title={product.name}
        description={
          <>
            Product <code>{product.slug}</code>
          </>
        }
        actions={
          canConfigureProduct ? <TestAlertLauncher org={org} orgId={o.id} product={{ id: product.id, slug: product.slug, name: product.name }} /> : undefined
        }
      />
      <div className="space-y-6">
        <ProductNotifications org={org} product={{ id: product.id, slug: product.slug, name: product.name }} canEdit={canConfigureProduct} />
        {canConfigureOrg ? (
          <ProductSettings
            org={org}
            product={{ id: product.id, slug: product.slug, name: product.name }}
            admins={admins.map((a) => a.userId)}
            members={members}
          />
        ) : (
          <Card title="Product admins">
            <p className="text-sm text-slate-600">{admins.length ? admins.map((a) => a.email).join(", ") : "No product admins."}</p>
          </Card>
        )}
      </div>
    </>
  );
}
