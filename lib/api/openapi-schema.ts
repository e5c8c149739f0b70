import { z } from "zod";

export type JsonSchema = { [key: string]: unknown };

/**
 * Turns zod schemas into OpenAPI 3.1 schema objects (JSON Schema 2020-12) with
 * zod's own converter. Definitions zod pulls out (`$defs`: cycles, or schemas
 * registered with an `id`) move into `components.schemas`, because a
 * `#/$defs/…` reference inside an OpenAPI document would resolve against the
 * document root, not against the schema it came from.
 */
export class SchemaConverter {
  readonly components: Record<string, JsonSchema> = {};
  /** Each component's definition as zod produced it, before its references were rewritten. */
  private readonly originals = new Map<string, string>();

  convert(schema: z.ZodType, io: "input" | "output"): JsonSchema {
    const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;
    const renamed = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) renamed.set(name, this.componentNameFor(name, def, io));
    const rewrite = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (!node || typeof node !== "object") return node;
      const out: JsonSchema = {};
      for (const [key, value] of Object.entries(node)) {
        const local = key === "$ref" && typeof value === "string" ? /^#\/\$defs\/(.+)$/.exec(value) : null;
        out[key] = local ? `#/components/schemas/${renamed.get(local[1]) ?? local[1]}` : rewrite(value);
      }
      return out;
    };
    for (const [name, def] of Object.entries(defs)) this.components[renamed.get(name)!] = rewrite(def) as JsonSchema;
    return rewrite(json) as JsonSchema;
  }

  /** Same name and same shape share one component; a different shape under a taken name gets a suffix. */
  private componentNameFor(name: string, def: JsonSchema, io: "input" | "output"): string {
    const safe = name.replace(/[^A-Za-z0-9._-]/g, "_");
    const candidates = [safe, `${safe}${io === "input" ? "Input" : "Output"}`];
    for (let i = 2; candidates.length < 50; i++) candidates.push(`${safe}${i}`);
    const wanted = JSON.stringify(def);
    for (const candidate of candidates) {
      const taken = this.originals.get(candidate);
      if (taken === undefined) this.originals.set(candidate, wanted);
      if (taken === undefined || taken === wanted) return candidate;
    }
    throw new Error(`Too many different schemas named ${name}`);
  }
}
