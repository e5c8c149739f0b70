import type { Db } from "@/db/client";
import { createChannel } from "@/lib/channels/service";
import { productAdmins, products } from "@/db/schema";
import type { Actor, Principal } from "@/lib/auth/permissions";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { newId } from "@/lib/ids";
import type { ChannelInput } from "@/lib/validation/channels";
import { createChannelSchema } from "@/lib/validation/channels";
import { seedOrg } from "@/test/db";
import { testAlertResults, waitForResults, type TestAlertResult } from "./results";
import type { TestScope } from "./scope";
import { startTestRetry } from "./send";

/**
 * Fixtures for the test-alert tests (imported by *.test.ts only): an org with
 * an owner, an admin, a member and a product admin, two products, and
 * channels created through the real domain function (so secrets are sealed
 * and hinted exactly as in production).
 */

export async function seedTestAlertOrg(db: Db) {
  const { org, members } = await seedOrg(db, "acme", ["owner", "admin", "member", "member"]);
  const [owner, admin, member, productAdmin] = members;
  const shop = { id: newId("prd"), orgId: org.id, slug: "shop", name: "Shop" };
  const blog = { id: newId("prd"), orgId: org.id, slug: "blog", name: "Blog" };
  await db.insert(products).values([shop, blog]);
  await db.insert(productAdmins).values({ productId: shop.id, userId: productAdmin.id });
  const principal = (m: (typeof members)[number], productIds: string[] = []): Principal => ({
    kind: "user",
    userId: m.id,
    email: m.email,
    orgId: org.id,
    role: m.role,
    productIds: new Set(productIds),
  });
  return {
    org,
    shop,
    blog,
    owner: principal(owner),
    admin: principal(admin),
    member: principal(member),
    productAdmin: principal(productAdmin, [shop.id]),
    productAdminUserId: productAdmin.id,
    memberIds: members.map((m) => m.id),
  };
}

/** Creates a channel from an API-style body (validated by the same schema as the API). */
export async function addChannel(db: Db, orgId: string, body: Record<string, unknown>, productId?: string) {
  const input = createChannelSchema.parse(body) as ChannelInput;
  return createChannel(db, orgId, SYSTEM_ACTOR, input, { productId: productId ?? null });
}

/** The console's retry (startTestRetry), then its answer once recorded (the console polls for it instead). */
export async function retryTestAlert(db: Db, scope: TestScope, actor: Actor, deliveryId: string): Promise<TestAlertResult> {
  const { dispatched } = await startTestRetry(db, scope, actor, deliveryId);
  await dispatched;
  await waitForResults(db, scope.orgId, [deliveryId], Date.now() + 20_000);
  const [result] = await testAlertResults(db, scope.orgId, [deliveryId]);
  return result;
}
