import { E2E } from "./env";
import { startPeers } from "./receiver";

export default async function globalSetup() {
  const stop = startPeers(E2E.receiverPort, E2E.smtpPort);
  return async () => {
    await stop();
  };
}
