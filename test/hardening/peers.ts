import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/**
 * The loopback peers of the hardening runs, in the runner's own process: a
 * webhook receiver that records which deliveries (the Standard Webhooks
 * `webhook-id`) and which events (the ids in the JSON array) reached it, and
 * an SMTP server that can be started late on a port chosen in advance.
 */

export type Receiver = {
  url: string;
  /** How many times each delivery id arrived (more than once = redelivered after a crash). */
  deliveries: Map<string, number>;
  /** Every event id seen in a body. */
  events: Set<string>;
  requests: () => number;
  /** Milliseconds to wait before answering each request (a slow receiver keeps deliveries in flight). */
  setDelay: (ms: number) => void;
  close: () => Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const deliveries = new Map<string, number>();
  const events = new Set<string>();
  let count = 0;
  let delay = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      count++;
      const id = String(req.headers["webhook-id"] ?? "");
      if (id) deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: string }[] | { id?: string };
        for (const e of Array.isArray(body) ? body : [body]) if (e?.id) events.add(e.id);
      } catch {
        // not a Herald body
      }
      const answer = () => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
      };
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    events,
    requests: () => count,
    setDelay: (ms) => {
      delay = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type MailSink = { mails: { to: string[]; subject: string }[]; close: () => Promise<void> };

/** An SMTP server on a given port (the port Herald was configured with while nothing listened there). */
export async function startSmtp(port: number): Promise<MailSink> {
  const mails: MailSink["mails"] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const subject = /^Subject: (.*)$/im.exec(Buffer.concat(chunks).toString("utf8"))?.[1] ?? "";
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), subject });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
