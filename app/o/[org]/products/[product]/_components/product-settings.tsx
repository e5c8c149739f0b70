"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { renameProductSchema } from "@/lib/validation/accounts";
import { deleteProductAction, renameProductAction, setProductAdminsAction } from "../../actions";

type Product = { id: string; slug: string; name: string };

export function ProductSettings({
  org,
  product,
  admins,
  members,
}: {
  org: string;
  product: Product;
  admins: string[];
  members: { userId: string; email: string }[];
}) {
  const router = useRouter();
  const rename = useActionForm(renameProductSchema, (v) => renameProductAction({ ...v, org, productId: product.id }), {
    defaultValues: { name: product.name },
    onSuccess: () => {
      rename.setSuccess("Saved.");
      router.refresh();
    },
  });
  const [selected, setSelected] = useState(new Set(admins));
  const [adminsMessage, setAdminsMessage] = useState<{ error?: string; success?: string }>({});
  const [savingAdmins, setSavingAdmins] = useState(false);

  async function saveAdmins() {
    setSavingAdmins(true);
    const r = await setProductAdminsAction({ org, productId: product.id, userIds: [...selected] });
    setSavingAdmins(false);
    setAdminsMessage(r.ok ? { success: "Product admins saved." } : { error: r.formError });
    router.refresh();
  }

  return (
    <>
      <Card title="Product settings">
        <form onSubmit={rename.onSubmit} className="flex items-start gap-3" noValidate>
          <div className="flex-1">
            <TextField label="Name" error={rename.errorOf("name")} {...rename.form.register("name")} />
          </div>
          <Button type="submit" className="mt-6" pending={rename.pending}>
            Save
          </Button>
        </form>
        <div className="mt-3">
          <FormMessage error={rename.formError} success={rename.success} />
        </div>
      </Card>
      <Card
        title="Product admins"
        description="Product admins choose which of this product's events notify which channel. They cannot edit channels or see their secrets."
      >
        {members.length === 0 ? (
          <p className="text-sm text-slate-500">No members.</p>
        ) : (
          <fieldset className="space-y-1.5">
            <legend className="sr-only">Product admins</legend>
            {members.map((m) => (
              <label key={m.userId} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={selected.has(m.userId)}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if (e.target.checked) next.add(m.userId);
                    else next.delete(m.userId);
                    setSelected(next);
                  }}
                />
                {m.email}
              </label>
            ))}
          </fieldset>
        )}
        <div className="mt-3 flex items-center gap-3">
          <Button variant="secondary" onClick={saveAdmins} pending={savingAdmins}>
            Save product admins
          </Button>
          <FormMessage error={adminsMessage.error} success={adminsMessage.success} />
        </div>
      </Card>
      <Card title="Danger zone">
        <ConfirmButton
          title="Delete product"
          description={
            <>
              Delete <strong>{product.name}</strong>? Its rules and product notifications are deleted too; stored events stay in the log.
            </>
          }
          onConfirm={async () => {
            const r = await deleteProductAction({ org, productId: product.id });
            if (!r.ok) return r.formError;
            router.push(`/o/${org}/products`);
          }}
        >
          Delete product
        </ConfirmButton>
      </Card>
    </>
  );
}
