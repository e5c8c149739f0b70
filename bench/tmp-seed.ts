import { heraldSandbox, seed } from "./lib/herald";
void (async () => { const s = heraldSandbox("micro"); await seed(s.env, { kind: "server", receiverUrl: "http://127.0.0.1:9", channels: 3 }); console.log(s.dataDir); })();
