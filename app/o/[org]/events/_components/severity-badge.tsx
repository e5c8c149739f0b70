import { Badge } from "@/components/ui/card";
import type { Severity } from "@/db/schema/values";

const TONES: Record<Severity, "slate" | "green" | "amber" | "red" | "indigo"> = {
  debug: "slate",
  info: "indigo",
  warning: "amber",
  error: "red",
  critical: "red",
  alert: "red",
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <Badge tone={TONES[severity]}>{severity}</Badge>;
}
