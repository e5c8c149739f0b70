"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { FormMessage, SelectField, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { ORG_ROLES, type OrgRole } from "@/db/schema";
import { addMemberSchema } from "@/lib/validation/accounts";
import { addMemberAction, changeRoleAction, reissueInviteAction, removeMemberAction } from "../actions";

type Member = { userId: string; email: string; role: OrgRole; pending: boolean; joined: string };

const ROLE_HELP: Record<OrgRole, string> = {
  owner: "everything, including members and roles",
  admin: "channels, rules, products, API tokens",
  member: "reads settings, events and the delivery log",
};

export function MembersPanel({ org, members, canManage, selfId }: { org: string; members: Member[]; canManage: boolean; selfId: string }) {
  const router = useRouter();
  const [invite, setInvite] = useState<{ email: string; url: string }>();
  const [rowError, setRowError] = useState<string>();
  const add = useActionForm(addMemberSchema, (v) => addMemberAction({ ...v, org }), {
    defaultValues: { email: "", role: "member" },
    onSuccess: (data, values) => {
      if (data.inviteUrl) setInvite({ email: values.email, url: data.inviteUrl });
      add.form.reset({ email: "", role: values.role });
      router.refresh();
    },
  });

  async function changeRole(userId: string, role: OrgRole) {
    setRowError(undefined);
    const result = await changeRoleAction({ org, userId, role });
    if (!result.ok) setRowError(result.formError);
    router.refresh();
  }

  return (
    <div className="space-y-6">
      {canManage && (
        <Card title="Add a member" description="Someone new to Herald gets a one-time link to set their password; copy it to them.">
          <form onSubmit={add.onSubmit} className="grid grid-cols-[1fr_12rem_auto] items-start gap-3" noValidate>
            <TextField label="E-mail" type="email" error={add.errorOf("email")} {...add.form.register("email")} />
            <SelectField label="Role" error={add.errorOf("role")} {...add.form.register("role")}>
              {ORG_ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </SelectField>
            <Button type="submit" className="mt-6" pending={add.pending}>
              Add member
            </Button>
          </form>
          <div className="mt-3">
            <FormMessage error={add.formError} />
          </div>
          {invite && (
            <div className="mt-4 rounded-md border border-indigo-200 bg-indigo-50 p-3 text-sm" role="status">
              <p>
                Invite link for <strong>{invite.email}</strong> (shown once, valid 7 days):
              </p>
              <code data-testid="invite-url" className="mt-1 block break-all font-mono text-xs">
                {invite.url}
              </code>
              <Button size="sm" variant="secondary" className="mt-2" onClick={() => navigator.clipboard?.writeText(invite.url)}>
                Copy link
              </Button>
            </div>
          )}
        </Card>
      )}
      <Card title={`Members (${members.length})`}>
        {rowError && <FormMessage error={rowError} />}
        {members.length === 0 ? (
          <EmptyState>No members yet.</EmptyState>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">E-mail</th>
                <th>Role</th>
                <th>Status</th>
                {canManage && <th className="text-right">Actions</th>}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {members.map((m) => (
                <tr key={m.userId}>
                  <td className="py-2">{m.email}{m.userId === selfId && <span className="ml-1 text-slate-400">(you)</span>}</td>
                  <td>
                    {canManage ? (
                      <select
                        aria-label={`Role of ${m.email}`}
                        value={m.role}
                        onChange={(e) => changeRole(m.userId, e.target.value as OrgRole)}
                        className="rounded border border-slate-300 px-1.5 py-1 text-sm"
                      >
                        {ORG_ROLES.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <span title={ROLE_HELP[m.role]}>{m.role}</span>
                    )}
                  </td>
                  <td>{m.pending ? <Badge tone="amber">invite pending</Badge> : <Badge tone="green">active</Badge>}</td>
                  {canManage && (
                    <td className="space-x-2 text-right">
                      {m.pending && (
                        <Button
                          size="sm"
                          variant="secondary"
                          onClick={async () => {
                            const r = await reissueInviteAction({ org, userId: m.userId });
                            if (r.ok) setInvite({ email: m.email, url: r.data.inviteUrl });
                            else setRowError(r.formError);
                          }}
                        >
                          New invite link
                        </Button>
                      )}
                      <ConfirmButton
                        title="Remove member"
                        description={<>Remove <strong>{m.email}</strong> from this organization? They lose access at once.</>}
                        confirmLabel="Remove"
                        onConfirm={async () => {
                          const r = await removeMemberAction({ org, userId: m.userId });
                          if (!r.ok) return r.formError;
                          router.refresh();
                        }}
                      >
                        Remove
                      </ConfirmButton>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
