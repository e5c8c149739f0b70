import http from "node:http";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";

/**
 * Loopback peers for the e2e server: an HTTP receiver that records every
 * request and answers with a status the test chooses, and an SMTP server that
 * keeps the messages it accepts. Tests read them through the receiver:
 *   GET  /__requests          → recorded HTTP requests [{path, headers, body, at}]
 *   GET  /__mail              → accepted e-mails [{to, subject, text, html}]
 *   POST /__status/:code      → answer every later request with :code
 *   POST /__reset             → forget everything, answer 200 again
 */
export function startPeers(httpPort: number, smtpPort: number) {
  let status = 200;
  let requests: { path: string; headers: http.IncomingHttpHeaders; body: string; at: number }[] = [];
  let mail: { to: string; subject: string; text: string; html: string }[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const json = (v: unknown) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(v));
      };
      if (url === "/__requests") return json(requests);
      if (url === "/__mail") return json(mail);
      if (url === "/__reset") {
        status = 200;
        requests = [];
        mail = [];
        return json({ ok: true });
      }
      const m = /^\/__status\/(\d{3})$/.exec(url);
      if (m) {
        status = Number(m[1]);
        return json({ status });
      }
      requests.push({ path: url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status < 300 ? "ok" : `receiver says ${status}`);
    });
  });
  server.listen(httpPort, "127.0.0.1");

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mail.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(", "),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
          });
          callback();
        })
        .catch(callback);
    },
  });
  smtp.listen(smtpPort, "127.0.0.1");

  return async () => {
    await new Promise((r) => server.close(r));
    await new Promise((r) => smtp.close(() => r(undefined)));
  };
}
