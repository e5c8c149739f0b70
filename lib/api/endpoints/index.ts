import type { Endpoint } from "@/lib/api/endpoint";
import * as accounts from "./accounts";
import * as channels from "./channels";
import * as cipp from "./cipp";
import * as cleverHooks from "./clever-hooks";
import * as deliveries from "./deliveries";
import * as events from "./events";
import * as meta from "./meta";
import * as notifications from "./notifications";
import * as rules from "./rules";
import * as silences from "./silences";
import * as testAlert from "./test-alert";

/**
 * Every /api/v1 operation. The OpenAPI document is generated from this list,
 * and a test checks that every route file under app/api/v1 is described here.
 * Add each domain's module to the list below.
 */
export const ALL_ENDPOINTS: Endpoint[] = [
  ...Object.values(accounts),
  ...Object.values(channels),
  ...Object.values(cipp),
  ...Object.values(cleverHooks),
  ...Object.values(deliveries),
  ...Object.values(events),
  ...Object.values(meta),
  ...Object.values(notifications),
  ...Object.values(rules),
  ...Object.values(silences),
  ...Object.values(testAlert),
];
