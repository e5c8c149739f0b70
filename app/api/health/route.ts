import { sql } from "drizzle-orm";
import { db, rowsOf } from "@/db/client";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    await rowsOf(db(), sql`select 1`);
    return Response.json({ status: "ok" });
  } catch {
    return Response.json({ status: "unavailable" }, { status: 503 });
  }
}
