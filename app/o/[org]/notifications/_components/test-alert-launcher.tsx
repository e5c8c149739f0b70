import { db } from "@/db/client";
import { channelTarget } from "@/lib/channels/config";
import { orgCatalog } from "@/lib/events/catalog";
import { testableChannels, unusableReason } from "@/lib/test-alert/scope";
import { TestAlertButton, type TestAlertChannel, type TestAlertEventType } from "./test-alert-dialog";

/**
 * "Send test alert" in a page header (server side): the channels this scope
 * may test (masked targets only) and the org's event catalog for the dialog.
 * Render it only for people who may test: the page checks org:configure (Org
 * settings) or product:configure (Product settings); the actions check again.
 */
export async function TestAlertLauncher({ org, orgId, product }: { org: string; orgId: string; product?: { id: string; slug: string; name: string } }) {
  const database = db();
  const channels: TestAlertChannel[] = (await testableChannels(database, { orgId, product: product ?? null })).map((c) => ({
    id: c.id,
    name: c.name,
    type: c.type,
    target: channelTarget(c.type, c.settings, c.secretHints),
    ownedByProduct: c.productId !== null,
    unusable: unusableReason(c),
  }));
  const catalog: TestAlertEventType[] = (await orgCatalog(database, orgId))
    .filter((t) => !product || t.scope !== "org")
    .map((t) => ({ key: t.key, title: t.title, scope: t.scope, defaultSeverity: t.defaultSeverity }));
  return <TestAlertButton org={org} product={product?.slug} productName={product?.name} channels={channels} catalog={catalog} />;
}
