// What a JavaScript Durable Object may have stored, one sample value per kind: examples/room's
// JavaScript side stores them (js-side.js), and test/room.test.mjs checks how Rust reads each.
export const SAMPLES = {
  number: () => 10,
  eight: () => 8,
  fraction: () => 1.5,
  negative: () => -3,
  big: () => 12345678901234567890n,
  text: () => "hé",
  bytes: () => new Uint8Array([0, 1, 254, 255]),
  buffer: () => new Uint8Array([4, 5]).buffer,
  boolean: () => true,
  null: () => null,
  object: () => ({ a: [1, "x"], b: null }),
  array: () => [1, 2, 3],
  date: () => new Date(0),
  map: () => new Map([[1, 2]]),
  nested: () => ({ when: new Date(0) }),
};

