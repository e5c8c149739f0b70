"use client";

import { useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, inputClass } from "@/components/ui/field";
import { SNOOZE_DAYS } from "@/lib/validation/silences";
import { snoozeEventAction } from "../../../silences/actions";

/**
 * CIPP's snooze: this alert — same type, product and title — kept quiet for 7 to
 * 90 days. The "Snooze" link in e-mail and Slack messages opens the event page
 * with `?snooze=1`, which brings this control into view and focus.
 */
export function SnoozeEvent({ org, eventId, focus }: { org: string; eventId: string; focus: boolean }) {
  const router = useRouter();
  const [days, setDays] = useState<(typeof SNOOZE_DAYS)[number]>(7);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ error?: string; success?: string }>({});
  const select = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (!focus) return;
    select.current?.scrollIntoView({ block: "center" });
    select.current?.focus();
  }, [focus]);
  async function snooze() {
    setPending(true);
    setMessage({});
    const result = await snoozeEventAction({ org, eventId, days });
    setPending(false);
    if (!result.ok) return setMessage({ error: result.formError });
    setMessage({ success: `Snoozed until ${result.data.endsAt.replace("T", " ").slice(0, 16)} UTC. Expire it on the Silences page to hear from it sooner.` });
    router.refresh();
  }
  return (
    <div className="space-y-2" data-testid="snooze">
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor="snooze-days" className="text-sm text-slate-700">
          Snooze this alert (same type, product and title) for
        </label>
        <select
          id="snooze-days"
          ref={select}
          className={`${inputClass} w-auto`}
          value={days}
          onChange={(e) => setDays(Number(e.target.value) as (typeof SNOOZE_DAYS)[number])}
        >
          {SNOOZE_DAYS.map((d) => (
            <option key={d} value={d}>
              {d} days
            </option>
          ))}
        </select>
        <Button size="sm" variant="secondary" onClick={snooze} pending={pending}>
          Snooze
        </Button>
      </div>
      <FormMessage error={message.error} success={message.success} />
    </div>
  );
}
