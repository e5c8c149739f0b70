import { Badge } from "@/components/ui/card";
import { ERROR_RESPONSES, type HttpMethod, type OpenApiOperation, type OpenApiResponse } from "@/lib/api/openapi";
import { JsonDetails, typeLabel } from "./json-details";
import { SchemaFields } from "./schema-fields";

const METHOD_TONES = { get: "green", post: "indigo", put: "amber", patch: "amber", delete: "red" } as const;

type Props = {
  method: HttpMethod;
  path: string;
  operation: OpenApiOperation;
  /** Base URL and org slug, to print a curl command someone can paste. */
  baseUrl: string;
  org: string;
};

/** `#/components/responses/Unauthorized` → `unauthorized`. */
const codeByResponseName = new Map(Object.entries(ERROR_RESPONSES).map(([code, { name }]) => [name, code]));

/** `'` cannot appear inside a single-quoted shell word; close, escape, reopen. */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The documented example request as a curl command: this org, the example ids, query and body. */
function curlFor({ method, path, operation, baseUrl, org }: Props): string {
  const parameters = operation.parameters ?? [];
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    name === "org" ? org : (parameters.find((p) => p.in === "path" && p.name === name)?.example ?? `{${name}}`),
  );
  const query = new URLSearchParams(
    parameters.flatMap((p) => (p.in === "query" && p.example !== undefined ? [[p.name, p.name === "org" ? org : p.example]] : [])),
  ).toString();
  const lines = [`curl -X ${method.toUpperCase()} ${shellQuote(baseUrl + filled + (query ? `?${query}` : ""))}`];
  const scheme = Object.keys(operation.security[0] ?? {})[0];
  if (scheme) lines.push(`-H "Authorization: Bearer $${scheme === "operatorToken" ? "HERALD_DISPATCH_TOKEN" : "HERALD_TOKEN"}"`);
  const body = operation.requestBody?.content["application/json"];
  if (body) {
    lines.push(`-H "Content-Type: application/json"`);
    lines.push(body.example !== undefined ? `-d ${shellQuote(JSON.stringify(body.example))}` : "-d @body.json");
  }
  return lines.join(" \\\n  ");
}

export function OperationCard(props: Props) {
  const { method, path, operation } = props;
  const permission = operation["x-permission"];
  const parameters = operation.parameters ?? [];
  const body = operation.requestBody?.content["application/json"];
  const responses = Object.entries(operation.responses);
  const successes = responses.filter(([, r]) => !("$ref" in r)) as [string, OpenApiResponse][];
  const failures = responses.flatMap(([status, r]) => ("$ref" in r ? [{ status, code: codeByResponseName.get(r.$ref.split("/").pop()!) ?? "error" }] : []));

  return (
    <article id={operation.operationId} className="scroll-mt-6 space-y-3 border-t border-slate-100 py-5 first:border-t-0 first:pt-0">
      <header>
        <h3 className="flex flex-wrap items-center gap-2 font-mono text-sm">
          <Badge tone={METHOD_TONES[method]}>{method.toUpperCase()}</Badge>
          <span className="break-all font-medium text-slate-900">{path}</span>
        </h3>
        <p className="mt-1 text-sm text-slate-700">{operation.summary}</p>
        <p className="mt-1 text-xs text-slate-500">
          {permission ? (
            <>
              <span className="font-medium text-slate-700">Permission</span> <code>{permission}</code>:{" "}
              {operation.description.replace(/^Requires `[^`]+`: /, "")}
            </>
          ) : (
            "Public: no authentication."
          )}
        </p>
      </header>

      {parameters.length > 0 && (
        <table className="w-full text-left text-xs">
          <caption className="sr-only">Parameters</caption>
          <thead className="text-slate-500">
            <tr>
              <th className="py-1 pr-3 font-medium">Parameter</th>
              <th className="py-1 pr-3 font-medium">In</th>
              <th className="py-1 pr-3 font-medium">Type</th>
              <th className="py-1 font-medium">Description</th>
            </tr>
          </thead>
          <tbody>
            {parameters.map((p) => (
              <tr key={`${p.in}:${p.name}`} className="border-t border-slate-100 align-top">
                <td className="py-1 pr-3 font-mono">
                  {p.name}
                  {p.required && (
                    <span className="text-red-600" title="required">
                      {" "}
                      *
                    </span>
                  )}
                </td>
                <td className="py-1 pr-3 text-slate-500">{p.in}</td>
                <td className="py-1 pr-3 font-mono text-slate-600">{typeLabel(p.schema)}</td>
                <td className="py-1 text-slate-600">{p.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {body && <SchemaFields schema={body.schema} />}

      <div className="space-y-2">
        {body && <JsonDetails label="Request body (JSON schema)" value={body.schema} />}
        {body?.example !== undefined && <JsonDetails label="Example request body" value={body.example} />}
        {successes.map(([status, r]) => (
          <div key={status}>
            {r.content && "application/json" in r.content ? (
              <JsonDetails label={`${status} ${r.description} (response JSON schema)`} value={r.content["application/json"].schema} />
            ) : r.content ? (
              <p className="text-xs text-slate-600">
                <span className="font-mono">{status}</span> {r.description}: text — {r.content["text/plain"].schema.description as string}
              </p>
            ) : (
              <p className="text-xs text-slate-600">
                <span className="font-mono">{status}</span> {r.description}: empty body
              </p>
            )}
          </div>
        ))}
        <details className="rounded-md border border-slate-200">
          <summary className="cursor-pointer select-none px-3 py-1.5 text-xs font-medium text-slate-600 hover:bg-slate-50">curl</summary>
          <pre className="overflow-auto border-t border-slate-200 bg-slate-50 px-3 py-2 text-xs text-slate-800">{curlFor(props)}</pre>
        </details>
      </div>

      {failures.length > 0 && (
        <p className="flex flex-wrap items-center gap-1.5 text-xs text-slate-500">
          <span>Errors:</span>
          {failures.map((f) => (
            <a key={f.status} href="#errors" title={f.code}>
              <Badge tone={f.status.startsWith("5") ? "red" : "slate"}>
                {f.status} {f.code}
              </Badge>
            </a>
          ))}
        </p>
      )}
    </article>
  );
}
