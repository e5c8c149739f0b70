import { db } from "@/db/client";
import { deleteNotificationEndpoint, getNotificationEndpoint, updateNotificationEndpoint } from "@/lib/api/endpoints/notifications";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { deleteNotification, getNotification, updateNotification } from "@/lib/rules/product-notifications";
import { configurableProduct, productOf } from "@/lib/rules/access";

export const dynamic = "force-dynamic";

export const GET = handle(getNotificationEndpoint, async (ctx) => ({
  notification: await getNotification(db(), ctx.org.id, await productOf(db(), ctx.org.id, ctx.params.app), ctx.params.id),
}));

export const PATCH = handle(updateNotificationEndpoint, async (ctx) => ({
  notification: await updateNotification(
    db(),
    ctx.org.id,
    actorOf(ctx.principal),
    await configurableProduct(db(), ctx.org.id, ctx.principal, ctx.params.app),
    ctx.params.id,
    ctx.body.notification,
  ),
}));

export const DELETE = handle(deleteNotificationEndpoint, async (ctx) => {
  await deleteNotification(db(), ctx.org.id, actorOf(ctx.principal), await configurableProduct(db(), ctx.org.id, ctx.principal, ctx.params.app), ctx.params.id);
});
