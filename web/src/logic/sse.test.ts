import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reconnectDelay, SseParser, type SseEvent } from "./sse.ts";

describe("SseParser", () => {
  const cases: Array<[string, string[], SseEvent[], string]> = [
    [
      "one named event with an id",
      ['id: 7\nevent: DriftCorrected\ndata: {"id":7}\n\n'],
      [{ id: "7", event: "DriftCorrected", data: '{"id":7}' }],
      "7",
    ],
    ["an unnamed event is a message", ["data: x\n\n"], [{ id: "", event: "message", data: "x" }], ""],
    ["comments (keep-alives) are ignored", [": ping\n\n", ": ping\n\n"], [], ""],
    [
      "chunks split anywhere",
      ["id: 1\nda", "ta: a", "b\n", "\nid: 2\ndata: c\n\n"],
      [
        { id: "1", event: "message", data: "ab" },
        { id: "2", event: "message", data: "c" },
      ],
      "2",
    ],
    ["multi-line data", ["data: a\ndata: b\n\n"], [{ id: "", event: "message", data: "a\nb" }], ""],
    [
      "CRLF line ends, split between CR and LF",
      ["data: a\r", "\n\r\n"],
      [{ id: "", event: "message", data: "a" }],
      "",
    ],
    ["CR line ends", ["data: a\r\rdata: b"], [{ id: "", event: "message", data: "a" }], ""],
    ["no space after the colon", ["data:a\n\n"], [{ id: "", event: "message", data: "a" }], ""],
    ["an id alone dispatches nothing but is kept", ["id: 9\n\n"], [], "9"],
    ["an incomplete event waits", ["data: a\n"], [], ""],
    [
      "the event name does not carry over",
      ["event: A\ndata: 1\n\ndata: 2\n\n"],
      [
        { id: "", event: "A", data: "1" },
        { id: "", event: "message", data: "2" },
      ],
      "",
    ],
  ];
  for (const [name, chunks, want, lastId] of cases) {
    it(name, () => {
      const p = new SseParser();
      const got = chunks.flatMap((c) => p.push(c));
      assert.deepEqual(got, want);
      assert.equal(p.lastEventId, lastId);
    });
  }
});

describe("reconnectDelay", () => {
  const cases: Array<[number, number]> = [
    [0, 500],
    [1, 1000],
    [3, 4000],
    [5, 15_000],
    [50, 15_000],
  ];
  for (const [n, ms] of cases) it(`attempt ${n} → ${ms} ms`, () => assert.equal(reconnectDelay(n), ms));
});
