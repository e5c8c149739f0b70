import { db } from "@/db/client";
import { deleteNotificationEndpoint, getNotificationEndpoint, updateNotificationEndpoint } from "@/lib/api/endpoints/notifications";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { deleteNotification, getNotification, updateNotification } from "@/lib/rules/product-notifications";
import { configurableProduct, productOf } from "@/lib/rules/access";

export const dynamic = "force-dynamic";

export const GET = handle(getNotificationEndpoint, (ctx) => ({
  notification: getNotification(db(), ctx.org.id, productOf(db(), ctx.org.id, ctx.params.app), ctx.params.id),
}));

export const PATCH = handle(updateNotificationEndpoint, async (ctx) => ({
  notification: await updateNotification(db(), ctx.org.id, actorOf(ctx.principal), configurableProduct(db(), ctx.org.id, ctx.principal, ctx.params.app), ctx.params.id, ctx.body.notification),
}));

export const DELETE = handle(deleteNotificationEndpoint, (ctx) => {
  deleteNotification(db(), ctx.org.id, actorOf(ctx.principal), configurableProduct(db(), ctx.org.id, ctx.principal, ctx.params.app), ctx.params.id);
});
