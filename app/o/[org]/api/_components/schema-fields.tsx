import { typeLabel } from "./json-details";

type Schema = Record<string, unknown>;
type FieldGroup = { label?: string; properties: Record<string, Schema>; required: string[] };

/** A variant's name from its discriminator, e.g. `type: "email"`. */
function discriminatorOf(schema: Schema): string | undefined {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const found = Object.entries(properties).find(([, p]) => "const" in p);
  return found ? `${found[0]}: ${JSON.stringify(found[1].const)}` : undefined;
}

/** The objects a body can be: one object, each variant of a union, the items of an array. */
function fieldGroupsOf(schema: Schema, label?: string): FieldGroup[] {
  const variants = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (Array.isArray(variants))
    return variants.flatMap((v, i) => fieldGroupsOf(v, [label, discriminatorOf(v) ?? `variant ${i + 1}`].filter(Boolean).join(", ")));
  if (schema.type === "array" && schema.items) return fieldGroupsOf(schema.items as Schema, label ? `${label}, an array of` : "an array of");
  if (!schema.properties) return [];
  return [{ label, properties: schema.properties as Record<string, Schema>, required: (schema.required as string[]) ?? [] }];
}

/** The top-level fields of a request body, as a table per shape it can take (the JSON schema stays one click away). */
export function SchemaFields({ schema }: { schema: Schema }) {
  const groups = fieldGroupsOf(schema);
  if (groups.length === 0) return null;
  return (
    <div className="space-y-2">
      {groups.map((group, i) => (
        <table key={i} className="w-full text-left text-xs">
          <caption className="pb-1 text-left font-medium text-slate-600">Body{group.label ? ` (${group.label})` : ""}</caption>
          <tbody>
            {Object.entries(group.properties).map(([name, field]) => (
              <tr key={name} className="border-t border-slate-100 align-top">
                <td className="w-1/4 py-1 pr-3 font-mono">
                  {name}
                  {group.required.includes(name) && (
                    <span className="text-red-600" title="required">
                      {" "}
                      *
                    </span>
                  )}
                </td>
                <td className="w-1/4 break-all py-1 pr-3 font-mono text-slate-600">{typeLabel(field)}</td>
                <td className="py-1 text-slate-600">
                  {typeof field.description === "string" && field.description}
                  {"default" in field && <span className="text-slate-500"> default {JSON.stringify(field.default)}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}
