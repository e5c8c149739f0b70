"use client";

import type { TokenStatus } from "@/lib/accounts/tokens";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { FormMessage, SelectField, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { createTokenSchema } from "@/lib/validation/accounts";
import { createTokenAction, revokeTokenAction } from "../actions";
import { utcTime } from "@/lib/format";

type Token = {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: TokenStatus;
};

const STATUS_TONE = { active: "green", expired: "amber", revoked: "red" } as const;

export function TokensPanel({ org, tokens }: { org: string; tokens: Token[] }) {
  const router = useRouter();
  const [created, setCreated] = useState<string>();
  const create = useActionForm(createTokenSchema, (v) => createTokenAction({ ...v, org }), {
    defaultValues: { name: "", role: "admin" },
    onSuccess: ({ token }) => {
      setCreated(token);
      create.form.reset({ name: "", role: "admin" });
      router.refresh();
    },
  });
  return (
    <div className="space-y-6">
      <Card title="New token">
        <form onSubmit={create.onSubmit} className="grid grid-cols-[1fr_13rem_10rem_auto] items-start gap-3 max-sm:grid-cols-1" noValidate>
          <TextField label="Name" placeholder="ci" error={create.errorOf("name")} {...create.form.register("name")} />
          <SelectField label="Role" error={create.errorOf("role")} {...create.form.register("role")}>
            <option value="admin">admin: read + write</option>
            <option value="read">read: read only</option>
          </SelectField>
          <TextField
            label="Expires in (days)"
            type="number"
            min={1}
            placeholder="never"
            error={create.errorOf("expiresInDays")}
            {...create.form.register("expiresInDays", { setValueAs: (v: string) => (v === "" ? undefined : Number(v)) })}
          />
          <Button type="submit" className="mt-6" pending={create.pending}>
            Create token
          </Button>
        </form>
        <div className="mt-3">
          <FormMessage error={create.formError} />
        </div>
        {created && (
          <div className="mt-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm" role="status">
            <p className="font-medium">Copy this token now — it will not be shown again.</p>
            <code data-testid="new-token" className="mt-1 block break-all font-mono text-xs">
              {created}
            </code>
            <Button size="sm" variant="secondary" className="mt-2" onClick={() => navigator.clipboard?.writeText(created)}>
              Copy token
            </Button>
          </div>
        )}
      </Card>
      <Card title={`Tokens (${tokens.length})`}>
        {tokens.length === 0 ? (
          <EmptyState>No tokens yet. Create one for each producer (CI, platform, script).</EmptyState>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Name</th>
                <th>Prefix</th>
                <th>Role</th>
                <th>Created</th>
                <th>Last used</th>
                <th>Expires</th>
                <th className="text-right">Status</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td className="py-2 font-medium">{t.name}</td>
                  <td>
                    <code className="text-xs">{t.prefix}…</code>
                  </td>
                  <td>{t.role}</td>
                  <td>{utcTime(t.createdAt)}</td>
                  <td>{utcTime(t.lastUsedAt)}</td>
                  <td>{t.expiresAt ? utcTime(t.expiresAt) : "never"}</td>
                  <td className="space-x-2 whitespace-nowrap text-right">
                    <Badge tone={STATUS_TONE[t.status]}>{t.status}</Badge>
                    {t.status === "active" && (
                      <ConfirmButton
                        title="Revoke token"
                        description={
                          <>
                            Revoke <strong>{t.name}</strong>? Requests with it get 401 from now on. This cannot be undone.
                          </>
                        }
                        confirmLabel="Revoke"
                        onConfirm={async () => {
                          const r = await revokeTokenAction({ org, tokenId: t.id });
                          if (!r.ok) return r.formError;
                          router.refresh();
                        }}
                      >
                        Revoke
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
