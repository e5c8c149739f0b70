import { db } from "@/db/client";
import { listChannels } from "@/lib/channels/service";
import { Card } from "@/components/ui/card";
import { authorize } from "@/lib/auth/authorize";
import { listNotifications } from "@/lib/rules/product-notifications";
import { productPreferences } from "@/lib/rules/product-preferences";
import { productRoutes } from "@/lib/rules/routes";
import { ProductNotificationList } from "./product-notification-list";
import { ProductPreferencesForm } from "./product-preferences-form";

type Product = { id: string; slug: string; name: string };

/**
 * Product settings → Notifications (server side): for each event a product
 * can have, the org channels it goes to (Chainloop's product preferences),
 * and the notifications attached to the product through the Scalingo-style
 * API. Channels reach the browser as names only; product admins pick them,
 * never edit them. A product admin of other products sees nothing of this
 * product's settings (as on the products list).
 */
export async function ProductNotifications({ org, product, canEdit }: { org: string; product: Product; canEdit: boolean }) {
  const { principal, org: o } = await authorize(org, "org:read");
  if (!canEdit && principal.productIds.size > 0) {
    return (
      <Card title="Notifications">
        <p className="text-sm text-slate-600">This product&apos;s notifications are managed by its own product admins.</p>
      </Card>
    );
  }
  const database = db();
  const { preferences, otherRules } = await productPreferences(database, o.id, product);
  const orgChannels = (await listChannels(database, o.id)).map(({ id, name, type, enabled, health }) => ({ id, name, type, enabled, health }));
  const ownChannels = (await listChannels(database, o.id, { productId: product.id })).map(({ id, name, type }) => ({ id, name, type }));
  const notifications = await listNotifications(database, o.id, product);
  // Every way each event type goes out, this page's own choice included (it is shown in the picker).
  const routes = await productRoutes(
    database,
    o.id,
    product.id,
    preferences.map((p) => p.eventType.key),
  );
  const rows = preferences.map((p) => ({
    key: p.eventType.key,
    title: p.eventType.title,
    description: p.eventType.description,
    channels: p.channels,
    minSeverity: p.minSeverity,
    otherRoutes: (routes[p.eventType.key] ?? []).filter((r) => r.rule.id !== p.ruleId),
  }));
  return (
    <>
      <ProductPreferencesForm org={org} product={product} canEdit={canEdit} rows={rows} channels={orgChannels} />
      <ProductNotificationList
        org={org}
        product={product}
        canEdit={canEdit}
        notifications={notifications}
        otherRules={otherRules.map((r) => ({ id: r.id, name: r.name, eventTypes: r.eventTypes, severities: r.severities, channels: r.channels }))}
        channelNames={Object.fromEntries([...orgChannels, ...ownChannels].map((c) => [c.id, c.name]))}
      />
    </>
  );
}
