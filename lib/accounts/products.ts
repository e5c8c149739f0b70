import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { memberships, productAdmins, products, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { conflict, invalid, isUniqueViolation, notFound } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { slugify } from "@/lib/validation/common";

export type Product = typeof products.$inferSelect;

export function listProducts(db: DbOrTx, orgId: string) {
  return db.select().from(products).where(eq(products.orgId, orgId)).orderBy(asc(products.name)).all();
}

export function productBySlug(db: DbOrTx, orgId: string, slug: string): Product {
  const product = db.select().from(products).where(and(eq(products.orgId, orgId), eq(products.slug, slug))).get();
  if (!product) throw notFound("Product");
  return product;
}

export function productById(db: DbOrTx, orgId: string, id: string): Product {
  const product = db.select().from(products).where(and(eq(products.orgId, orgId), eq(products.id, id))).get();
  if (!product) throw notFound("Product");
  return product;
}

const DUPLICATE_SLUG = "is already used by another product of this organization";

export function createProduct(db: Db, orgId: string, actor: Actor, input: { name: string; slug?: string }) {
  const slug = input.slug ?? slugify(input.name);
  try {
    return db.transaction((tx) => {
      const product = { id: newId("prd"), orgId, slug, name: input.name, createdAt: new Date() };
      tx.insert(products).values(product).run();
      recordAudit(tx, { orgId, actor, action: "product.created", target: { type: "product", id: product.id, label: slug } });
      return product;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`The slug "${slug}" ${DUPLICATE_SLUG}`, { slug: [DUPLICATE_SLUG] });
    throw e;
  }
}

export function renameProduct(db: Db, orgId: string, actor: Actor, productId: string, name: string) {
  db.transaction((tx) => {
    const product = productById(tx, orgId, productId);
    tx.update(products).set({ name }).where(eq(products.id, product.id)).run();
    recordAudit(tx, {
      orgId,
      actor,
      action: "product.renamed",
      target: { type: "product", id: product.id, label: product.slug },
      details: { from: product.name, to: name },
    });
  });
}

export function deleteProduct(db: Db, orgId: string, actor: Actor, productId: string) {
  db.transaction((tx) => {
    const product = productById(tx, orgId, productId);
    tx.delete(products).where(eq(products.id, product.id)).run();
    recordAudit(tx, { orgId, actor, action: "product.deleted", target: { type: "product", id: product.id, label: product.slug } });
  });
}

export function listProductAdmins(db: DbOrTx, productId: string) {
  return db
    .select({ userId: users.id, email: users.email })
    .from(productAdmins)
    .innerJoin(users, eq(users.id, productAdmins.userId))
    .where(eq(productAdmins.productId, productId))
    .orderBy(asc(users.email))
    .all();
}

/** Replaces the product's admins; each must be a member of the org. */
export function setProductAdmins(db: Db, orgId: string, actor: Actor, productId: string, userIds: string[]) {
  db.transaction((tx) => {
    const product = productById(tx, orgId, productId);
    const unique = [...new Set(userIds)];
    if (unique.length) {
      const members = tx
        .select({ id: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), inArray(memberships.userId, unique)))
        .all();
      if (members.length !== unique.length) throw invalid({ userIds: ["must all be members of this organization"] });
    }
    tx.delete(productAdmins).where(eq(productAdmins.productId, product.id)).run();
    for (const userId of unique) tx.insert(productAdmins).values({ productId: product.id, userId }).run();
    recordAudit(tx, {
      orgId,
      actor,
      action: "product.admins_changed",
      target: { type: "product", id: product.id, label: product.slug },
      details: { userIds: unique },
    });
  });
}
