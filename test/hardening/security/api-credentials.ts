import type { SecurityAttack } from "./types";

/**
 * The API checks credentials before input (issue #15, item 7): an anonymous
 * caller with malformed input must get 401, never the route's field errors
 * (which tell it what the route takes, and, for an unknown org, that the
 * route exists whatever the org).
 */
export const attacks: SecurityAttack[] = [
  {
    name: "anonymous calls with bad input answer 401, not field errors",
    async run({ server, sandbox }) {
      const failures: string[] = [];
      const calls: [string, string, string | undefined][] = [];
      for (const org of [sandbox.org, "acme-does-not-exist"]) {
        calls.push(
          ["GET", `/api/v1/orgs/${org}/deliveries?limit=abc&status=nope`, undefined],
          ["GET", `/api/v1/orgs/${org}/events?limit=-1`, undefined],
          ["GET", `/api/v1/orgs/${org}/rules?scope=nope`, undefined],
          ["POST", `/api/v1/orgs/${org}/channels`, "{not json"],
          ["POST", `/api/v1/orgs/${org}/products`, JSON.stringify({ name: "" })],
        );
      }
      calls.push(["GET", `/api/v1/notification-config?org=${"x".repeat(100)}`, undefined], ["POST", "/api/v1/events", "{not json"]);
      for (const [method, path, body] of calls) {
        const res = await fetch(`${server.url}${path}`, { method, body, headers: body ? { "content-type": "application/json" } : {} });
        const text = await res.text();
        if (res.status !== 401) failures.push(`${method} ${path} anonymously answered ${res.status} ${text.slice(0, 160)} (expected 401)`);
        else if (/"fields"/.test(text)) failures.push(`${method} ${path}: the 401 carries field errors`);
      }
      // The same bad input with a token is refused as input: the attack did send bad input.
      const withToken = await fetch(`${server.url}/api/v1/orgs/${sandbox.org}/deliveries?limit=abc`, { headers: { authorization: `Bearer ${sandbox.token}` } });
      if (withToken.status !== 400) failures.push(`with a valid token, limit=abc answered ${withToken.status} (expected 400: the input is bad)`);
      return { failures, figures: { calls: calls.length } };
    },
  },
];
