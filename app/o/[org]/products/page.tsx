import type { Metadata } from "next";
import Link from "next/link";
import { db } from "@/db/client";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { listProducts } from "@/lib/accounts/products";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { CreateProductForm } from "./_components/create-product-form";

export const metadata: Metadata = { title: "Products" };

export default async function ProductsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { principal, org: o } = await authorizePage(org, "org:read");
  const canConfigure = can(principal, "org:configure");
  const all = await listProducts(db(), o.id);
  // A product admin sees the products they administer; owners, admins and members see them all.
  const products = canConfigure || principal.productIds.size === 0 ? all : all.filter((p) => principal.productIds.has(p.id));
  return (
    <>
      <PageHeader title="Products" description="Products group events; product admins choose which of their product's events notify which channel." />
      <div className="space-y-6">
        {canConfigure && (
          <Card title="New product">
            <CreateProductForm org={org} />
          </Card>
        )}
        <Card title={`Products (${products.length})`}>
          {products.length === 0 ? (
            <EmptyState>No products yet.{canConfigure ? " Create one above to start routing its events." : ""}</EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100">
              {products.map((p) => (
                <li key={p.id} className="flex items-center justify-between py-2.5 text-sm">
                  <Link href={`/o/${org}/products/${p.slug}`} className="font-medium text-indigo-700 hover:underline">
                    {p.name}
                  </Link>
                  <span className="flex items-center gap-2">
                    {principal.productIds.has(p.id) && <Badge tone="indigo">you administer</Badge>}
                    <code className="text-xs text-slate-500">{p.slug}</code>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
