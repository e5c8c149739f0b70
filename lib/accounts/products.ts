import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { memberships, productAdmins, products, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { conflict, invalid, isUniqueViolation, notFound } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { slugify } from "@/lib/validation/common";
import { lockOrg } from "./locks";

export type Product = typeof products.$inferSelect;

export async function listProducts(db: DbOrTx, orgId: string) {
  return db.select().from(products).where(eq(products.orgId, orgId)).orderBy(asc(products.name), asc(products.id));
}

export async function productBySlug(db: DbOrTx, orgId: string, slug: string): Promise<Product> {
  const [product] = await db
    .select()
    .from(products)
    .where(and(eq(products.orgId, orgId), eq(products.slug, slug)))
    .limit(1);
  if (!product) throw notFound("Product");
  return product;
}

export async function productById(db: DbOrTx, orgId: string, id: string): Promise<Product> {
  const [product] = await db
    .select()
    .from(products)
    .where(and(eq(products.orgId, orgId), eq(products.id, id)))
    .limit(1);
  if (!product) throw notFound("Product");
  return product;
}

const DUPLICATE_SLUG = "is already used by another product of this organization";

export async function createProduct(db: Db, orgId: string, actor: Actor, input: { name: string; slug?: string }) {
  const slug = input.slug ?? slugify(input.name);
  try {
    return await db.transaction(async (tx) => {
      const product = { id: newId("prd"), orgId, slug, name: input.name, createdAt: new Date() };
      await tx.insert(products).values(product);
      await recordAudit(tx, { orgId, actor, action: "product.created", target: { type: "product", id: product.id, label: slug } });
      return product;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`The slug "${slug}" ${DUPLICATE_SLUG}`, { slug: [DUPLICATE_SLUG] });
    throw e;
  }
}

export async function renameProduct(db: Db, orgId: string, actor: Actor, productId: string, name: string) {
  await db.transaction(async (tx) => {
    const product = await productById(tx, orgId, productId);
    await tx.update(products).set({ name }).where(eq(products.id, product.id));
    await recordAudit(tx, {
      orgId,
      actor,
      action: "product.renamed",
      target: { type: "product", id: product.id, label: product.slug },
      details: { from: product.name, to: name },
    });
  });
}

export async function deleteProduct(db: Db, orgId: string, actor: Actor, productId: string) {
  await db.transaction(async (tx) => {
    const product = await productById(tx, orgId, productId);
    await tx.delete(products).where(eq(products.id, product.id));
    await recordAudit(tx, { orgId, actor, action: "product.deleted", target: { type: "product", id: product.id, label: product.slug } });
  });
}

export async function listProductAdmins(db: DbOrTx, productId: string) {
  return db
    .select({ userId: users.id, email: users.email })
    .from(productAdmins)
    .innerJoin(users, eq(users.id, productAdmins.userId))
    .where(eq(productAdmins.productId, productId))
    .orderBy(asc(users.email), asc(users.id));
}

/** Replaces the product's admins; each must be a member of the org. */
export async function setProductAdmins(db: Db, orgId: string, actor: Actor, productId: string, userIds: string[]) {
  await db.transaction(async (tx) => {
    // Members checked here stay members (and no other replacement interleaves) until this commits.
    await lockOrg(tx, orgId);
    const product = await productById(tx, orgId, productId);
    const unique = [...new Set(userIds)];
    if (unique.length) {
      const members = await tx
        .select({ id: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), inArray(memberships.userId, unique)));
      if (members.length !== unique.length) throw invalid({ userIds: ["must all be members of this organization"] });
    }
    await tx.delete(productAdmins).where(eq(productAdmins.productId, product.id));
    for (const userId of unique) await tx.insert(productAdmins).values({ productId: product.id, userId });
    await recordAudit(tx, {
      orgId,
      actor,
      action: "product.admins_changed",
      target: { type: "product", id: product.id, label: product.slug },
      details: { userIds: unique },
    });
  });
}
