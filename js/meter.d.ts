/** Fuel per call into a module when `meter` is not told: about a second of a tight loop's work. */
export const DEFAULT_FUEL: number;
/** Throws a RangeError unless `fuel` is a whole number of loop iterations, 1 to 2^32 - 1. */
export function checkFuel(fuel: number): void;
/** Thrown for a module the meter cannot read: a proposal it does not know, or bytes that are not wasm. */
export class MeterError extends Error {}
/**
 * `wasm` with a fuel meter: every loop iteration spends a unit, every call into the module from
 * outside starts with `fuel` units (1 to 2^32 - 1), and a call that runs out traps (`unreachable`).
 */
export function meter(wasm: ArrayBuffer | ArrayBufferView, options?: { fuel?: number }): Uint8Array;
