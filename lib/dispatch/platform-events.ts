/**
 * The dispatcher raises `integration.unhealthy` and `storage.unhealthy` through
 * the same path as every other event (lib/events/platform.ts), inside its own
 * outcome transaction, so another channel can tell the owners.
 */
export { raisePlatformEvent, type PlatformEventInput } from "@/lib/events/platform";
