/** A JSON value behind a native disclosure: readable when wanted, out of the way otherwise (no client JS). */
export function JsonDetails({ label, value, open = false }: { label: string; value: unknown; open?: boolean }) {
  return (
    <details className="group rounded-md border border-slate-200" open={open}>
      <summary className="cursor-pointer select-none px-3 py-1.5 text-xs font-medium text-slate-600 hover:bg-slate-50">{label}</summary>
      <pre className="max-h-96 overflow-auto border-t border-slate-200 bg-slate-50 px-3 py-2 text-xs leading-relaxed text-slate-800">
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

/** A short type label for a JSON schema: `string`, `"a" | "b"`, `integer`, `string[]`. */
export function typeLabel(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if ("const" in schema) return JSON.stringify(schema.const);
  const variants = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  if (Array.isArray(variants)) return variantsLabel(variants);
  if (schema.type === "array" && schema.items) return `${typeLabel(schema.items as Record<string, unknown>)}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  return typeof schema.type === "string" ? schema.type : "any";
}

/** Objects told apart by one constant field read as `object (method: "none" | "bearer")`, not `object | object`. */
function variantsLabel(variants: Record<string, unknown>[]): string {
  const constants = variants.map((v) => Object.entries((v.properties ?? {}) as Record<string, Record<string, unknown>>).find(([, p]) => "const" in p));
  const key = constants[0]?.[0];
  if (key && constants.every((c) => c?.[0] === key)) return `object (${key}: ${constants.map((c) => JSON.stringify(c![1].const)).join(" | ")})`;
  return variants.map(typeLabel).join(" | ");
}
