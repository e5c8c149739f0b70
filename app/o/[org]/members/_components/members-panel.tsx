"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Dialog } from "@/components/ui/dialog";
import { FormMessage, SelectField, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { ORG_ROLES, type OrgRole } from "@/db/schema/values";
import { addMemberSchema } from "@/lib/validation/accounts";
import { addMemberAction, changeRoleAction, reissueInviteAction, removeMemberAction } from "../actions";

/** A member, or an invitation not accepted yet (`invited`, or `expired` when its link no longer works). */
/** `products`: the products the person administers (product admins configure those products' notifications). */
type Member = { userId: string; email: string; role: OrgRole; status: "active" | "invited" | "expired"; products: string[] };

const STATUS = {
  active: <Badge tone="green">active</Badge>,
  invited: <Badge tone="amber">invited</Badge>,
  expired: <Badge tone="red">invite expired</Badge>,
};

const ROLE_HELP: Record<OrgRole, string> = {
  owner: "everything, including members and roles",
  admin: "channels, rules, products, API tokens",
  member: "reads settings, events and the delivery log",
};

export function MembersPanel({
  org,
  members,
  invited,
  canManage,
  selfId,
}: {
  org: string;
  members: Member[];
  invited: Member[];
  canManage: boolean;
  selfId: string;
}) {
  const router = useRouter();
  const [invite, setInvite] = useState<{ email: string; url: string }>();
  const [rowError, setRowError] = useState<string>();
  /** A role picked in a member's row, asked about before it is saved (a role change is a change of rights). */
  const [roleChange, setRoleChange] = useState<{ userId: string; email: string; from: OrgRole; to: OrgRole }>();
  const [changingRole, setChangingRole] = useState(false);
  const add = useActionForm(addMemberSchema, (v) => addMemberAction({ ...v, org }), {
    defaultValues: { email: "", role: "member" },
    onSuccess: (data, values) => {
      setInvite({ email: values.email, url: data.inviteUrl });
      add.form.reset({ email: "", role: values.role });
      router.refresh();
    },
  });

  async function changeRole(userId: string, role: OrgRole) {
    setRowError(undefined);
    setChangingRole(true);
    const result = await changeRoleAction({ org, userId, role });
    setChangingRole(false);
    setRoleChange(undefined);
    if (!result.ok) setRowError(result.formError);
    router.refresh();
  }

  const owners = members.filter((m) => m.status === "active" && m.role === "owner");
  const soleOwner = owners.length === 1 ? owners[0].userId : undefined;

  return (
    <div className="space-y-6">
      {canManage && (
        <Card
          title="Add a member"
          description="Adding someone creates an invitation with a one-time link to send them. They become a member when they accept it: someone new to Herald sets a password through it, someone who already has an account signs in and accepts."
        >
          <form onSubmit={add.onSubmit} className="grid items-start gap-3 sm:grid-cols-[1fr_12rem_auto]" noValidate>
            <TextField label="E-mail" type="email" error={add.errorOf("email")} {...add.form.register("email")} />
            <SelectField label="Role" error={add.errorOf("role")} {...add.form.register("role")}>
              {ORG_ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </SelectField>
            <Button type="submit" className="justify-self-start sm:mt-6" pending={add.pending}>
              Add member
            </Button>
          </form>
          <div className="mt-3">
            <FormMessage error={add.formError} />
          </div>
          {invite && (
            <div className="mt-4 rounded-md border border-indigo-200 bg-indigo-50 p-3 text-sm" role="status">
              <p>
                Invitation created for <strong>{invite.email}</strong>. Send them this link (shown once, valid 7 days):
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
      <Card title={`Members (${members.length})${invited.length ? ` · invited (${invited.length})` : ""}`}>
        {rowError && <FormMessage error={rowError} />}
        {members.length + invited.length === 0 ? (
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
              {[...members, ...invited].map((m) => (
                <tr key={`${m.status === "active" ? "m" : "i"}-${m.userId}`}>
                  <td className="py-2">
                    {m.email}
                    {m.userId === selfId && <span className="ml-1 text-slate-500">(you)</span>}
                  </td>
                  <td>
                    {canManage && m.status === "active" ? (
                      <select
                        aria-label={`Role of ${m.email}`}
                        value={m.role}
                        onChange={(e) => setRoleChange({ userId: m.userId, email: m.email, from: m.role, to: e.target.value as OrgRole })}
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
                    {m.products.length > 0 && (
                      <span className="ml-2 text-xs text-slate-600" data-testid="administers">
                        admin of {m.products.join(", ")}
                      </span>
                    )}
                  </td>
                  <td>{STATUS[m.status]}</td>
                  {canManage && (
                    <td className="space-x-2 text-right">
                      {m.status !== "active" && (
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
                      {soleOwner === m.userId ? (
                        // The server refuses it (an org needs an owner): not offered, with why.
                        <span className="text-xs text-slate-500">the only owner</span>
                      ) : (
                        <ConfirmButton
                          title={m.status === "active" ? "Remove member" : "Withdraw invitation"}
                          description={
                            m.status === "active" ? (
                              <>
                                Remove <strong>{m.email}</strong> from this organization? They lose access at once.
                              </>
                            ) : (
                              <>
                                Withdraw the invitation of <strong>{m.email}</strong>? Its link stops working.
                              </>
                            )
                          }
                          confirmLabel={m.status === "active" ? "Remove" : "Withdraw"}
                          onConfirm={async () => {
                            const r = await removeMemberAction({ org, userId: m.userId });
                            if (!r.ok) return r.formError;
                            router.refresh();
                          }}
                        >
                          {m.status === "active" ? "Remove" : "Withdraw"}
                        </ConfirmButton>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Dialog
        open={roleChange !== undefined}
        onClose={() => setRoleChange(undefined)}
        title={roleChange ? `Make ${roleChange.email} ${roleChange.to === "admin" ? "an" : "a"} ${roleChange.to}?` : ""}
      >
        {roleChange && (
          <div className="space-y-4 text-sm text-slate-700">
            <p>
              From {roleChange.from} to <strong>{roleChange.to}</strong>: {ROLE_HELP[roleChange.to]}. It applies to their next request.
            </p>
            <div className="flex justify-end gap-2">
              <Button variant="secondary" onClick={() => setRoleChange(undefined)} disabled={changingRole}>
                Cancel
              </Button>
              <Button onClick={() => changeRole(roleChange.userId, roleChange.to)} pending={changingRole}>
                Change role
              </Button>
            </div>
          </div>
        )}
      </Dialog>
    </div>
  );
}
