/** `source` of events Herald writes itself for test alerts (CIPP's "write to log" on or off). */
export const TEST_ALERT_SOURCE = "herald:test-alert";
export const DIRECT_TEST_ALERT_SOURCE = "herald:test-alert:direct";
