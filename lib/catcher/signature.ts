import { signatureHeaders } from "@/lib/channels/webhook/module";

/**
 * The Standard Webhooks check a receiver would have made of a caught request
 * when it arrived: the signature of `webhook-id.webhook-timestamp.body`
 * under the channel's `whsec_` secret (computed as the webhook channel signs),
 * which must be one of the `v1,` signatures sent, and the timestamp must be
 * within the spec's 5 minutes of the time it was received (not of now: the
 * check of an hour-old request says what its receiver saw).
 */

export type SignatureCheck =
  { status: "valid" } | { status: "invalid"; reason: string } | { status: "unsigned"; reason: string } | { status: "unchecked"; reason: string };

const TOLERANCE_S = 5 * 60;

export function checkSignature(signingSecret: string | undefined, headers: Record<string, string>, body: string, receivedAt: Date): SignatureCheck {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) return { status: "unsigned", reason: "no webhook-id, webhook-timestamp and webhook-signature headers" };
  if (!signingSecret) return { status: "unchecked", reason: "choose a webhook channel with a signing secret to check the signature" };
  if (!/^\d+$/.test(timestamp)) return { status: "invalid", reason: "webhook-timestamp is not a number of seconds" };
  const expected = signatureHeaders(signingSecret, id, new Date(Number(timestamp) * 1000), body)["webhook-signature"].split(",")[1];
  const matches = signatures.split(" ").some((s) => {
    const [version, value] = s.split(",");
    return version === "v1" && value === expected;
  });
  if (!matches) return { status: "invalid", reason: "no v1 signature matches the channel's signing secret (another secret, or the body was changed)" };
  const skew = Number(timestamp) - Math.floor(receivedAt.getTime() / 1000);
  if (Math.abs(skew) > TOLERANCE_S)
    return {
      status: "invalid",
      reason: `the signature matches but webhook-timestamp is ${Math.abs(skew)} s ${skew < 0 ? "before" : "after"} arrival (more than 5 min)`,
    };
  return { status: "valid" };
}
