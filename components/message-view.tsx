import type { PreviewMessage } from "@/lib/test-alert/preview";

/**
 * One message as its receiver gets it — headers (secrets shown as [redacted])
 * and body, an e-mail, or an inbox entry: the test-alert preview and the
 * delivery log's request show it the same way.
 */

const pre = "max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap break-words";

export function MessageView({ message, index, count }: { message: PreviewMessage; index: number; count: number }) {
  const label =
    count > 1 ? (
      <p className="text-xs font-medium text-slate-600">
        Message {index + 1} of {count}
      </p>
    ) : null;
  if (message.kind === "inbox") {
    return (
      <div>
        {label}
        <p className="text-sm">
          In the console inbox: <strong>{message.title}</strong>
        </p>
      </div>
    );
  }
  if (message.kind === "email") {
    return (
      <div className="space-y-1">
        {label}
        <p className="text-xs">
          <span className="text-slate-500">To:</span> {message.to.join(", ")}
        </p>
        <p className="text-xs">
          <span className="text-slate-500">Subject:</span> <strong>{message.subject}</strong>
        </p>
        <pre className={pre}>{message.text}</pre>
      </div>
    );
  }
  return (
    <div className="space-y-1">
      {label}
      <p className="font-mono text-xs text-slate-600">
        {message.headers.map((h) => (
          <span key={h.name} className="block">
            {h.name}: <span className={h.redacted ? "italic text-slate-500" : ""}>{h.value}</span>
          </span>
        ))}
      </p>
      <pre className={pre} tabIndex={0} aria-label={`Body of message ${index + 1}`}>
        {JSON.stringify(message.body, null, 2)}
      </pre>
    </div>
  );
}
