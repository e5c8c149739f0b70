"use client";

import { definitionOf } from "@/lib/channels/definitions";
import { useId, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { SEVERITIES, type ChannelType, type Severity } from "@/db/schema/values";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormMessage, inputClass, TextAreaField, TextField } from "@/components/ui/field";
import { useUnsavedChangesOnPage } from "@/components/unsaved-changes";
import type { TestAlertPreview } from "@/lib/test-alert/preview";
import type { TestAlertResult } from "@/lib/test-alert/results";
import { MAX_TEST_EVENTS } from "@/lib/validation/test-alert";
import { previewTestAlertAction, retryTestAlertAction, startTestAlertAction, testAlertResultsAction } from "../test-alert-actions";
import { TestAlertPreviewView } from "./test-alert-preview";
import { TestAlertResults } from "./test-alert-results";

export type TestAlertChannel = { id: string; name: string; type: ChannelType; target: string; ownedByProduct: boolean; unusable: string | null };
export type TestAlertEventType = { key: string; title: string; scope: string; defaultSeverity: Severity };
type Props = { org: string; product?: string; productName?: string; channels: TestAlertChannel[]; catalog: TestAlertEventType[] };

const POLL_MS = 500;
const POLL_LIMIT_MS = 30_000;

/** The header button and its dialog: choose, preview, send, watch each channel's result, retry. */
export function TestAlertButton(props: Props) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Send test alert
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={props.productName ? `Send test alert — ${props.productName}` : "Send test alert"} wide>
        <TestAlertForm {...props} onClose={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function TestAlertForm({ org, product, channels, catalog, onClose }: Props & { onClose: () => void }) {
  const ids = useId();
  const queryClient = useQueryClient();
  const unsaved = useUnsavedChangesOnPage();
  const usable = channels.filter((c) => !c.unusable);
  const [mode, setMode] = useState<"all" | "pick">("all");
  const [picked, setPicked] = useState<string[]>([]);
  const [events, setEvents] = useState<{ type: string; severity: Severity }[]>([]);
  const [custom, setCustom] = useState<{ on: boolean; title: string; message: string }>({ on: false, title: "", message: "" });
  const [writeToLog, setWriteToLog] = useState(false);
  const [preview, setPreview] = useState<TestAlertPreview>();
  const [results, setResults] = useState<TestAlertResult[]>();
  const [busy, setBusy] = useState<"preview" | "send" | null>(null);
  const [error, setError] = useState<{ message?: string; fields?: Record<string, string[]> }>({});

  const changed =
    <T,>(set: (v: T) => void) =>
    (value: T) => {
      set(value);
      setPreview(undefined);
    };
  const input = () => ({
    org,
    ...(product ? { product } : {}),
    channels: mode === "all" ? ("all" as const) : picked,
    events,
    ...(custom.on ? { custom: { title: custom.title, message: custom.message } } : {}),
    writeToLog,
  });
  // A new type starts at its own default severity (the catalog's), which the person can then change.
  const withType = (type: string) => ({ type, severity: catalog.find((t) => t.key === type)?.defaultSeverity ?? ("info" as Severity) });
  const fieldError = (prefix: string) =>
    Object.entries(error.fields ?? {})
      .filter(([k]) => k === prefix || k.startsWith(`${prefix}.`))
      .flatMap(([, v]) => v)
      .join("; ") || undefined;

  async function showPreview() {
    setBusy("preview");
    setError({});
    const result = await previewTestAlertAction(input());
    setBusy(null);
    if (result.ok) setPreview(result.data);
    else setError({ message: result.formError, fields: result.fieldErrors });
  }

  /** Polls the delivery log until these deliveries have answers (or the limit passes). */
  async function follow(deliveryIds: string[]) {
    const until = Date.now() + POLL_LIMIT_MS;
    let settled = false;
    while (!settled && Date.now() < until) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const polled = await testAlertResultsAction({ org, ...(product ? { product } : {}), deliveryIds });
      if (!polled.ok) return setError({ message: polled.formError });
      setResults((current) => current?.map((r) => polled.data.find((p) => p.deliveryId === r.deliveryId) ?? r));
      settled = polled.data.every((r) => r.state !== "pending");
    }
    if (!settled) setError({ message: "Some channels have not answered yet. Their deliveries go on: the delivery log shows how they end." });
    // An inbox channel may have added notifications: refresh the header bell now.
    void queryClient.invalidateQueries({ queryKey: ["inbox-unread", org] });
  }

  async function send() {
    setBusy("send");
    setError({});
    const started = await startTestAlertAction(input());
    if (!started.ok) {
      setBusy(null);
      return setError({ message: started.formError, fields: started.fieldErrors });
    }
    setResults(started.data.deliveries.map((d) => ({ ...d, eventIds: [], state: "pending", ok: false })));
    await follow(started.data.deliveries.map((d) => d.deliveryId));
    setBusy(null);
  }

  async function retry(deliveryId: string) {
    setResults((current) => current?.map((r) => (r.deliveryId === deliveryId ? { ...r, state: "pending", ok: false, error: undefined } : r)));
    const retried = await retryTestAlertAction({ org, ...(product ? { product } : {}), deliveryId });
    if (!retried.ok) {
      setError({ message: retried.formError });
      return follow([deliveryId]);
    }
    await follow([deliveryId]);
  }

  const nothingToTest = mode === "all" ? usable.length === 0 : picked.length === 0;
  return (
    <div className="space-y-5">
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">Channels</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name={`${ids}-mode`} checked={mode === "all"} onChange={() => changed(setMode)("all")} />
          All enabled channels ({usable.length})
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name={`${ids}-mode`} checked={mode === "pick"} onChange={() => changed(setMode)("pick")} />
          Pick channels
        </label>
        {mode === "pick" && (
          <ul className="ml-6 grid gap-1 sm:grid-cols-2" aria-label="Channels to test">
            {channels.map((c) => (
              <li key={c.id}>
                <label className={`flex items-start gap-2 text-sm ${c.unusable ? "text-slate-400" : ""}`} title={c.target}>
                  <input
                    type="checkbox"
                    className="mt-0.5"
                    disabled={Boolean(c.unusable)}
                    checked={picked.includes(c.id)}
                    onChange={(e) => changed(setPicked)(e.target.checked ? [...picked, c.id] : picked.filter((p) => p !== c.id))}
                  />
                  <span>
                    {c.name}{" "}
                    <span className="text-xs text-slate-500">
                      ({definitionOf(c.type).label}
                      {c.ownedByProduct ? ", this product" : ""})
                    </span>
                    {c.unusable && <span className="block text-xs">{c.unusable}</span>}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        )}
        {fieldError("channels") && <p className="text-xs text-red-600">{fieldError("channels")}</p>}
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">Sample events</legend>
        {events.length === 0 && !custom.on && <p className="text-xs text-slate-500">Nothing chosen: one generic test notification is sent.</p>}
        {events.map((e, i) => (
          <div key={i} className="flex items-end gap-2" role="group" aria-label={`Sample event ${i + 1}`}>
            <label className="flex-1 text-sm">
              <span className="mb-1 block text-slate-600">Event type</span>
              <select
                className={inputClass}
                value={e.type}
                onChange={(ev) => changed(setEvents)(events.map((x, j) => (j === i ? withType(ev.target.value) : x)))}
              >
                {catalog.map((t) => (
                  <option key={t.key} value={t.key}>
                    {t.title} ({t.key})
                  </option>
                ))}
              </select>
            </label>
            <label className="w-36 text-sm">
              <span className="mb-1 block text-slate-600">Severity</span>
              <select
                className={inputClass}
                value={e.severity}
                onChange={(ev) => changed(setEvents)(events.map((x, j) => (j === i ? { ...x, severity: ev.target.value as Severity } : x)))}
              >
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <Button variant="ghost" size="sm" aria-label={`Remove sample event ${i + 1}`} onClick={() => changed(setEvents)(events.filter((_, j) => j !== i))}>
              Remove
            </Button>
          </div>
        ))}
        {fieldError("events") && <p className="text-xs text-red-600">{fieldError("events")}</p>}
        <Button
          variant="secondary"
          size="sm"
          disabled={events.length >= MAX_TEST_EVENTS || catalog.length === 0}
          onClick={() => changed(setEvents)([...events, withType(catalog[0].key)])}
        >
          Add sample event
        </Button>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={custom.on} onChange={(e) => changed(setCustom)({ ...custom, on: e.target.checked })} />
          Add a custom title and message
        </label>
        {custom.on && (
          <div className="ml-6 space-y-2">
            <TextField
              label="Title"
              value={custom.title}
              error={fieldError("custom.title")}
              onChange={(e) => changed(setCustom)({ ...custom, title: e.target.value })}
            />
            <TextAreaField
              label="Message"
              rows={3}
              value={custom.message}
              error={fieldError("custom.message")}
              onChange={(e) => changed(setCustom)({ ...custom, message: e.target.value })}
            />
          </div>
        )}
      </fieldset>

      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" className="mt-0.5" checked={writeToLog} onChange={(e) => changed(setWriteToLog)(e.target.checked)} />
        <span>
          Also write the test events to the event log
          <span className="block text-xs text-slate-500">Off: sent directly. Either way each attempt is in the delivery log, marked as a test.</span>
        </span>
      </label>

      <FormMessage error={error.message} />
      {nothingToTest && (
        <p role="status" className="text-sm text-slate-600">
          {mode === "all" && usable.length === 0
            ? "Preview and Send need a channel: there is no enabled channel to test. Add one (or turn one on) under Channels."
            : "Preview and Send need a channel: pick at least one above."}
        </p>
      )}
      {unsaved && (
        <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">
          This page has unsaved changes: save (or discard) them first, so the test uses the settings you see.
        </p>
      )}
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
        <Button variant="secondary" pending={busy === "preview"} disabled={nothingToTest || busy === "send"} onClick={showPreview}>
          Preview
        </Button>
        <Button pending={busy === "send"} disabled={nothingToTest || unsaved || busy === "preview"} onClick={send}>
          Send test alert
        </Button>
      </div>

      {preview && <TestAlertPreviewView preview={preview} />}
      {results && <TestAlertResults org={org} results={results} onRetry={retry} />}
    </div>
  );
}
