import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

/**
 * Real peers for the channel tests (imported by *.test.ts only): an HTTP
 * receiver on 127.0.0.1 that records what arrives, and an in-process SMTP
 * server that parses what it accepts.
 */

/** Points Herald's environment at a throw-away data dir; call before anything reads env(). */
export function useTestEnvironment(overrides: Record<string, string> = {}) {
  process.env.HERALD_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "herald-channels-"));
  process.env.HERALD_LOG_LEVEL ??= "silent";
  Object.assign(process.env, overrides);
}

type ReceivedRequest = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string };
type Answer = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number; onSent?: () => void } | "hang";

export type Receiver = {
  url: (p?: string) => string;
  port: number;
  requests: ReceivedRequest[];
  /** How the next requests are answered (200 "ok" unless set). */
  answer: (fn: (req: ReceivedRequest) => Answer) => void;
  close: () => Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let respond: (req: ReceivedRequest) => Answer = () => ({ status: 200, body: "ok" });
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received = { method: req.method ?? "", path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(received);
      const answer = respond(received);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      const send = () => {
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
        res.end(answer.body ?? "");
        answer.onSent?.();
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (p = "/hook") => `http://127.0.0.1:${port}${p}`,
    requests,
    answer: (fn) => {
      respond = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type ReceivedMail = { envelopeTo: string[]; from: string; parsed: ParsedMail };

export async function startSmtpServer(options: { rejectWith?: { code: number; message: string } } = {}) {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (options.rejectWith) {
        const err = new Error(options.rejectWith.message) as Error & { responseCode: number };
        err.responseCode = options.rejectWith.code;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            parsed,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
