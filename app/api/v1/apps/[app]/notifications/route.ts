import { db } from "@/db/client";
import { createNotificationEndpoint, listNotificationsEndpoint } from "@/lib/api/endpoints/notifications";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { createNotification, listNotifications } from "@/lib/rules/product-notifications";
import { configurableProduct, productOf } from "@/lib/rules/access";

export const dynamic = "force-dynamic";

export const GET = handle(listNotificationsEndpoint, async (ctx) => ({
  notifications: await listNotifications(db(), ctx.org.id, await productOf(db(), ctx.org.id, ctx.params.app)),
}));

export const POST = handle(createNotificationEndpoint, async (ctx) => ({
  notification: await createNotification(
    db(),
    ctx.org.id,
    actorOf(ctx.principal),
    await configurableProduct(db(), ctx.org.id, ctx.principal, ctx.params.app),
    ctx.body.notification,
  ),
}));
