// A meter for modules a platform runs on behalf of others (examples/loader's tenants): every loop
// iteration spends a unit of fuel, every call into the module starts with a full tank.
import { EXPORT_FUEL } from "./abi.js";
import { CODE, EXPORT, FUNCTION, FUNCTION_KIND, GLOBAL, GLOBAL_KIND, IMPORT, TYPE, WasmFormatError, cursor, readExports, readImports, readSections } from "./binary.js";

/** Fuel per call into a module when `meter` is not told: about a second of a tight loop's work. */
export const DEFAULT_FUEL = 1_000_000_000;

// The order a module keeps its sections in (the tag section sits before globals).
const ORDER = [0, 1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
const rank = (id) => ORDER.indexOf(id);

// Opcodes the metering reads or writes.
const OP = { unreachable: 0x00, loop: 0x03, if: 0x04, end: 0x0b, call: 0x10, localGet: 0x20, globalGet: 0x23, globalSet: 0x24, i32Const: 0x41, i32Eqz: 0x45, i32Sub: 0x6b };
const EMPTY = 0x40, I32 = 0x7f, MUTABLE = 1;

/**
 * Thrown for a module the meter cannot read: a proposal it does not know, or bytes that are not
 * wasm (binary.js's readers throw the same class).
 */
export const MeterError = WasmFormatError;

/**
 * `wasm` (its bytes) with a fuel meter: a mutable i32 global holds the fuel, each `loop` checks
 * it at the top of every iteration (a module out of fuel traps, `unreachable`, as a module that
 * traps by itself) and spends one unit, and each exported function is entered through a wrapper
 * that fills the tank to `fuel` (1 to 2^32 - 1 iterations), so a call that loops forever ends as a
 * trap after `fuel` iterations wherever it runs, whatever CPU limit the host enforces. The tank is
 * exported as `__tw_fuel`, by which the glue tells that trap from others. Recursion
 * needs no fuel: it ends at the engine's stack limit. Throws a MeterError for a module it cannot
 * read (an instruction or a type of a proposal it does not know is refused, never skipped over).
 */
export function meter(wasm, { fuel = DEFAULT_FUEL } = {}) {
  checkFuel(fuel);
  const bytes = wasm instanceof Uint8Array ? wasm : new Uint8Array(wasm.buffer ?? wasm, wasm.byteOffset ?? 0, wasm.byteLength);
  const sections = readSections(bytes);
  const types = readTypes(sections.get(TYPE));
  const imported = readImports(sections.get(IMPORT));
  const declared = readFunctions(sections.get(FUNCTION));
  const functionTypes = [...imported.filter((i) => i.kind == FUNCTION_KIND).map((i) => i.type), ...declared];
  const globals = imported.filter((i) => i.kind == GLOBAL_KIND).length;
  const tank = globals + vecCount(sections.get(GLOBAL)); // the fuel global's index
  const refill = [OP.i32Const, ...sLeb32(fuel | 0), OP.globalSet, ...u32Leb(tank)];

  // Each exported function, entered through a wrapper of its type (appended: no index moves).
  const wrapped = new Map(); // function index -> its wrapper's index
  const exports = rewriteExports(sections.get(EXPORT), (index) => {
    if (!wrapped.has(index)) wrapped.set(index, functionTypes.length + wrapped.size);
    return wrapped.get(index);
  }, tank);
  const wrappers = [...wrapped.keys()].map((index) => {
    const params = types[functionTypes[index]]?.params;
    if (params === undefined) throw new MeterError(`exported function ${index} has no type`);
    const code = [0, ...refill]; // no locals
    for (let p = 0; p < params; p++) code.push(OP.localGet, ...u32Leb(p));
    code.push(OP.call, ...u32Leb(index), OP.end);
    return [...u32Leb(code.length), ...code];
  });
  const check = [OP.globalGet, ...u32Leb(tank), OP.i32Eqz, OP.if, EMPTY, OP.unreachable, OP.end,
    OP.globalGet, ...u32Leb(tank), OP.i32Const, 1, OP.i32Sub, OP.globalSet, ...u32Leb(tank)];

  // The sections metering changes; one the module lacks (a global or an export section; function
  // and code sections of a module that only re-exports imports) goes where its kind belongs.
  const changed = new Map([
    [GLOBAL, appendVec(sections.get(GLOBAL), [[I32, MUTABLE, OP.i32Const, ...sLeb32(fuel | 0), OP.end]])],
    [FUNCTION, appendVec(sections.get(FUNCTION), [...wrapped.keys()].map((index) => u32Leb(functionTypes[index])))],
    [EXPORT, exports],
    [CODE, appendVec(meterCode(sections.get(CODE), check), wrappers)],
  ].filter(([id]) => sections.has(id) || id == GLOBAL || id == EXPORT || wrappers.length).sort(([a], [b]) => rank(a) - rank(b)));
  const out = [bytes.subarray(0, 8)];
  const placeMissing = (before) => {
    for (const [id, body] of changed) if (!sections.has(id) && (before === undefined || rank(id) < rank(before))) emit(out, id, body), changed.delete(id);
  };
  for (const section of sections.list) {
    if (section.id != 0) placeMissing(section.id);
    if (section.id != 0 && changed.has(section.id)) emit(out, section.id, changed.get(section.id));
    else out.push(bytes.subarray(section.start, section.end));
  }
  placeMissing();
  return concat(out);
}

/** Throws a RangeError unless `fuel` is a whole number of loop iterations, 1 to 2^32 - 1. */
export function checkFuel(fuel) {
  if (!Number.isInteger(fuel) || fuel < 1 || fuel > 0xffff_ffff) throw new RangeError(`fuel is 1 to 2^32 - 1 loop iterations, not ${fuel}`);
}

/** The number of parameters of each type of the type section. */
function readTypes(body) {
  const types = [];
  if (!body) return types;
  const c = cursor(body);
  for (let n = c.u32(); n > 0; n--) {
    if (c.byte() != 0x60) throw new MeterError("a type other than a function's (the GC proposal) is not metered");
    const params = c.u32();
    for (let p = 0; p < params; p++) c.valtype();
    for (let r = c.u32(); r > 0; r--) c.valtype();
    types.push({ params });
  }
  return types;
}

/** The type of each function the module defines. */
function readFunctions(body) {
  if (!body) return [];
  const c = cursor(body);
  return Array.from({ length: c.u32() }, () => c.u32());
}

const vecCount = (body) => (body ? cursor(body).u32() : 0);

/**
 * The export section with each function export's index replaced by `wrap(index)`, and the fuel
 * global `tank` exported as EXPORT_FUEL (the glue tells a trap out of fuel by it). A module that
 * exports that name already is refused: it was metered before, or it means something else by it.
 */
function rewriteExports(body, wrap, tank) {
  const exports = readExports(body), out = [...u32Leb(exports.length + 1)];
  const fuelName = new TextEncoder().encode(EXPORT_FUEL);
  for (const { name, kind, index } of exports) {
    if (name.length == fuelName.length && fuelName.every((b, i) => name[i] == b)) throw new MeterError(`the module exports ${EXPORT_FUEL} already (metered twice?)`);
    out.push(...u32Leb(name.length), ...name, kind, ...u32Leb(kind == FUNCTION_KIND ? wrap(index) : index));
  }
  out.push(...u32Leb(fuelName.length), ...fuelName, GLOBAL_KIND, ...u32Leb(tank));
  return Uint8Array.from(out);
}

/** The vector section `body` (or an empty one) with `items` (arrays of bytes) appended. */
function appendVec(body, items) {
  const c = body ? cursor(body) : null;
  const count = c ? c.u32() : 0;
  return concat([Uint8Array.from(u32Leb(count + items.length)), body ? body.subarray(c.at) : new Uint8Array(), ...items.map((i) => Uint8Array.from(i))]);
}

/** The code section with `check` after every `loop` instruction of every body. */
function meterCode(body, check) {
  if (!body) return body;
  const c = cursor(body);
  const out = [Uint8Array.from(u32Leb(c.u32()))];
  while (!c.done) {
    const size = c.u32(), start = c.at;
    const metered = meterBody(body.subarray(start, start + size), check);
    out.push(Uint8Array.from(u32Leb(metered.length)), metered);
    c.advance(size);
  }
  return concat(out);
}

/** One function body (locals, then instructions) with `check` after each `loop`'s block type. */
function meterBody(body, check) {
  const pieces = [];
  let copied = 0;
  const c = cursor(body);
  for (let groups = c.u32(); groups > 0; groups--) c.u32(), c.valtype();
  let depth = 1;
  while (depth > 0) {
    if (c.done) throw new MeterError("a function body without its end");
    const op = c.byte();
    if (op == OP.loop) {
      blockType(c);
      pieces.push(body.subarray(copied, c.at), check);
      copied = c.at;
      depth++;
    } else {
      depth += immediates(op, c);
    }
  }
  if (!c.done) throw new MeterError("bytes after a function body's end");
  pieces.push(body.subarray(copied));
  return concat(pieces.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
}

/** A block type: empty, one value type, or a type index (a signed LEB of 33 bits). */
function blockType(c) {
  const first = c.byte();
  if (first == 0x63 || first == 0x64) throw new MeterError("a typed reference (the GC proposal) is not metered");
  if (first & 0x80) c.skip();
}

/**
 * Skips the immediates of the instruction `op` (its opcode read); answers how it moves the block
 * depth (+1 for a block it opens, -1 for `end`). An opcode it does not know is refused.
 */
function immediates(op, c) {
  if (op == 0x02 || op == 0x04 || op == 0x06) return blockType(c), 1; // block, if, try
  if (op == 0x0b) return -1; // end
  if (op == 0x1f) { // try_table: its catch clauses (kind; tag for 0 and 1; label)
    blockType(c);
    for (let n = c.u32(); n > 0; n--) { const kind = c.byte(); if (kind > 3) throw new MeterError(`a try_table catch of kind ${kind}`); if (kind < 2) c.skip(); c.skip(); }
    return 1;
  }
  if (op == 0x18) return c.skip(), -1; // delegate ends its try
  if (NONE.has(op) || (op >= 0x45 && op <= 0xc4)) return 0; // no immediates; numeric ones
  if (ONE.has(op)) return c.skip(), 0;
  if (op == 0x11 || op == 0x13) return c.skip(), c.skip(), 0; // call_indirect: type, table
  if (op == 0x0e) { for (let n = c.u32(); n >= 0; n--) c.skip(); return 0; } // br_table: labels, default
  if (op == 0x1c) { for (let n = c.u32(); n > 0; n--) c.valtype(); return 0; } // select t*
  if (op >= 0x28 && op <= 0x3e) { const align = c.u32(); if (align & 0x40) c.skip(); c.skip(); return 0; } // memarg
  if (op == 0x43) return c.advance(4), 0; // f32.const
  if (op == 0x44) return c.advance(8), 0; // f64.const
  if (op == 0xfc) return prefixed(c.u32(), c), 0;
  throw new MeterError(`opcode 0x${op.toString(16)} is not one the meter knows`);
}

// Opcodes without immediates (besides the numeric 0x45-0xc4): unreachable, nop, else, catch_all,
// throw_ref, return, drop, select, ref.is_null.
const NONE = new Set([0x00, 0x01, 0x05, 0x19, 0x0a, 0x0f, 0x1a, 0x1b, 0xd1]);
// Opcodes with one LEB immediate: catch, throw, rethrow, br, br_if, call, return_call, call_ref,
// return_call_ref, local.get/set/tee, global.get/set, table.get/set, memory.size/grow,
// i32.const, i64.const, ref.null, ref.func.
const ONE = new Set([0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3f, 0x40, 0x41, 0x42, 0xd0, 0xd2]);
// 0xfc instructions: saturating truncations (0-7) have no immediates; bulk memory and tables
// their indices (8 memory.init: data, memory; 9 data.drop; 10 memory.copy: two memories; 11
// memory.fill; 12 table.init: elem, table; 13 elem.drop; 14 table.copy; 15-17 table.grow/size/fill).
const PREFIXED = [0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2, 1, 2, 1, 2, 1, 1, 1];

function prefixed(sub, c) {
  const count = PREFIXED[sub];
  if (count === undefined) throw new MeterError(`instruction 0xfc ${sub} is not one the meter knows`);
  for (let i = 0; i < count; i++) c.skip();
}

/** `value` (an i32's bits) as a signed LEB128. */
function sLeb32(value) {
  const out = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value == 0 && !(byte & 0x40)) || (value == -1 && byte & 0x40)) return out.push(byte), out;
    out.push(byte | 0x80);
  }
}

/** A section of kind `id` with `body`, appended to `out`. */
function emit(out, id, body) {
  out.push(Uint8Array.from([id, ...u32Leb(body.length)]), body);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

/** `value` as an unsigned LEB128. */
function u32Leb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}
