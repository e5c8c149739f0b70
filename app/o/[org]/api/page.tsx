import type { Metadata } from "next";
import Link from "next/link";
import { Card, PageHeader } from "@/components/ui/card";
import { buildOpenApiDocument, ERROR_RESPONSES, PERMISSION_DESCRIPTIONS, type HttpMethod } from "@/lib/api/openapi";
import { authorizePage } from "@/lib/auth/page-guard";
import { env } from "@/lib/env";
import { JsonDetails } from "./_components/json-details";
import { OperationCard } from "./_components/operation-card";

export const metadata: Metadata = { title: "API reference" };

const tagAnchor = (tag: string) => `tag-${tag.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

export default async function ApiReferencePage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  await authorizePage(org, "org:read");
  const document = buildOpenApiDocument();
  const baseUrl = env().publicUrl;

  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method: method as HttpMethod, operation: operation! })),
  );
  const byTag = document.tags.map(({ name }) => ({ name, operations: operations.filter((o) => o.operation.tags[0] === name) }));

  return (
    <>
      <PageHeader
        title="API reference"
        description={`Herald API ${document.info.version}, generated from the schemas that validate each request.`}
        actions={
          <a href="/api/v1/openapi.json" className="text-sm font-medium text-indigo-700 hover:underline">
            openapi.json
          </a>
        }
      />
      <div className="space-y-6">
        <Card title="Using the API">
          <div className="space-y-3 text-sm text-slate-700">
            <p>
              Send an API token of this organization as <code className="text-xs">Authorization: Bearer &lt;token&gt;</code> (create one under{" "}
              <Link href={`/o/${org}/tokens`} className="text-indigo-700 hover:underline">
                API tokens
              </Link>
              , if you are an owner or admin). Bodies are JSON; ids are strings; times are ISO 8601 UTC.
            </p>
            <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-xs">
              {Object.entries(PERMISSION_DESCRIPTIONS).map(([permission, description]) => (
                <div key={permission} className="contents">
                  <dt className="font-mono text-slate-900">{permission}</dt>
                  <dd className="text-slate-600">{description}</dd>
                </div>
              ))}
            </dl>
            <nav aria-label="API sections" className="flex flex-wrap gap-x-4 gap-y-1 text-xs">
              {byTag.map((tag) => (
                <a key={tag.name} href={`#${tagAnchor(tag.name)}`} className="text-indigo-700 hover:underline">
                  {tag.name} ({tag.operations.length})
                </a>
              ))}
              <a href="#errors" className="text-indigo-700 hover:underline">
                Errors
              </a>
            </nav>
          </div>
        </Card>

        {byTag.map((tag) => (
          <section key={tag.name} id={tagAnchor(tag.name)} aria-labelledby={`${tagAnchor(tag.name)}-title`} className="scroll-mt-6">
            <Card title={<span id={`${tagAnchor(tag.name)}-title`}>{tag.name}</span>}>
              {tag.operations.map(({ path, method, operation }) => (
                <OperationCard key={`${method} ${path}`} method={method} path={path} operation={operation} baseUrl={baseUrl} org={org} />
              ))}
            </Card>
          </section>
        ))}

        <section id="errors" className="scroll-mt-6">
          <Card title="Errors" description={'Every error has the shape {"error":{"code","message","fields"?}}; fields names each invalid field.'}>
            <table className="w-full text-left text-sm">
              <thead className="text-xs text-slate-500">
                <tr>
                  <th className="py-1 pr-3 font-medium">Status</th>
                  <th className="py-1 pr-3 font-medium">Code</th>
                  <th className="py-1 font-medium">When</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(ERROR_RESPONSES).map(([code, { status, description }]) => (
                  <tr key={code} className="border-t border-slate-100">
                    <td className="py-1 pr-3 font-mono">{status}</td>
                    <td className="py-1 pr-3 font-mono">{code}</td>
                    <td className="py-1 text-slate-600">{description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="mt-3">
              <JsonDetails label="Error body (JSON schema)" value={document.components.schemas.Error} />
            </div>
          </Card>
        </section>
      </div>
    </>
  );
}
