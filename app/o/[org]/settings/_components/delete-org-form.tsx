"use client";

import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { deleteOrgSchema } from "@/lib/validation/accounts";
import { deleteOrgAction } from "../actions";

/** Owners: delete the org, its name typed again as the confirmation; then the person goes to their next org (or is told they have none). */
export function DeleteOrgForm({ org, name, pendingDeliveries }: { org: string; name: string; pendingDeliveries: number }) {
  const router = useRouter();
  const f = useActionForm(deleteOrgSchema, (v) => deleteOrgAction({ ...v, org }), {
    defaultValues: { confirmName: "" },
    onSuccess: () => router.push("/"),
  });
  const typed = f.form.watch("confirmName");
  return (
    <form onSubmit={f.onSubmit} className="space-y-3 text-sm" noValidate>
      <p>
        Deletes <strong>{name}</strong> and everything in it: products, channels, rules, events, the delivery log, API tokens, members and its audit log.
        People&apos;s accounts stay. It cannot be undone.
        {pendingDeliveries > 0 && (
          <>
            {" "}
            <strong data-testid="pending-dropped">
              {pendingDeliveries} {pendingDeliveries === 1 ? "delivery is" : "deliveries are"} still waiting to be sent:{" "}
              {pendingDeliveries === 1 ? "it is" : "they are"} dropped.
            </strong>
          </>
        )}
      </p>
      <TextField label={`Type ${name} to confirm`} autoComplete="off" error={f.errorOf("confirmName")} {...f.form.register("confirmName")} />
      <FormMessage error={f.formError} />
      <Button type="submit" variant="danger" pending={f.pending} disabled={typed.trim() !== name}>
        Delete organization
      </Button>
    </form>
  );
}
