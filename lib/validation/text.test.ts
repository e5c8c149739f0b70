import { describe, expect, it } from "vitest";
import { storableText, unstorableTextPath } from "./text";

describe("storableText: a receiver's words as a database keeps them", () => {
  it.each([
    ["ok\u0000done", "ok\ufffddone"],
    ["\u0000\u0000", "\ufffd\ufffd"],
    ["lone \ud800 high", "lone \ufffd high"],
    ["lone \udc00 low", "lone \ufffd low"],
  ])("%j becomes %j, which the door's own rule finds storable", (raw, stored) => {
    expect(storableText(raw)).toBe(stored);
    expect(unstorableTextPath(storableText(raw))).toBeNull();
  });

  it("leaves valid text as it is, pairs of surrogates (emoji) included", () => {
    for (const text of ["", "plain", "😀 grinning", "é ü 中文"]) expect(storableText(text)).toBe(text);
  });
});
