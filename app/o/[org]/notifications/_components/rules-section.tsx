import { db } from "@/db/client";
import { listChannels } from "@/lib/channels/service";
import { listProducts } from "@/lib/accounts/products";
import { orgCatalog } from "@/lib/events/catalog";
import { listRules } from "@/lib/rules/queries";
import { RulesPanel } from "./rules-panel";

/**
 * Org settings → Notifications → Rules (server side): the org rules, and what
 * the rule form picks from — the catalog, the org's channels (names only: no
 * secret reaches the browser) and its products. The page has already
 * authorized "org:read"; every change goes through rule-actions.ts.
 */
export async function RulesSection({ org, orgId, canEdit }: { org: string; orgId: string; canEdit: boolean }) {
  const database = db();
  const rules = await listRules(database, orgId, { productId: null });
  const productRules = (await listRules(database, orgId)).filter((r) => r.scope === "product").length;
  const channels = (await listChannels(database, orgId)).map(({ id, name, type, enabled }) => ({ id, name, type, enabled }));
  const eventTypes = (await orgCatalog(database, orgId)).map(({ key, title, scope }) => ({ key, title, scope }));
  const products = (await listProducts(database, orgId)).map(({ slug, name }) => ({ slug, name }));
  return <RulesPanel org={org} canEdit={canEdit} rules={rules} channels={channels} eventTypes={eventTypes} products={products} productRules={productRules} />;
}
