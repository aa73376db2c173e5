// Reads a wasm module's binary format without compiling it (so any engine reads any module's):
// its sections, unsigned LEBs, and its imports and exports. Used by meter.js and build.mjs.

/** Thrown for bytes that are not a module these readers can read: cut short, or not wasm at all. */
export class WasmFormatError extends Error {}

/** Section ids. */
export const TYPE = 1, IMPORT = 2, FUNCTION = 3, GLOBAL = 6, EXPORT = 7, CODE = 10;
/** What an import or an export is (its kind byte). */
export const FUNCTION_KIND = 0, TABLE_KIND = 1, MEMORY_KIND = 2, GLOBAL_KIND = 3, TAG_KIND = 4;

/** The sections of `bytes`: `list` in order ({ id, start, end, body }), `get(id)` a known one's body. */
export function readSections(bytes) {
  const magic = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] != b)) throw new WasmFormatError("not a WebAssembly module (version 1)");
  const list = [];
  const byId = new Map();
  for (let at = 8; at < bytes.length;) {
    const start = at, id = bytes[at++];
    const [size, next] = readU32(bytes, at);
    const end = next + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} runs past the end of the module`);
    const section = { id, start, end, body: bytes.subarray(next, end) };
    list.push(section);
    if (id != 0) byId.set(id, section.body);
    at = end;
  }
  return { list, has: (id) => byId.has(id), get: (id) => byId.get(id) };
}

/** A cursor over a section's body: unsigned LEBs, single bytes, skipped LEBs, names and value types. */
export function cursor(body) {
  let at = 0;
  return {
    get done() { return at >= body.length; },
    get at() { return at; },
    byte: () => body[at++],
    advance(n) { at += n; },
    u32() { const [value, next] = readU32(body, at); at = next; return value; },
    skip() { while (body[at++] & 0x80); },
    /** A name's bytes (UTF-8, its length read first). */
    name() {
      const length = this.u32();
      if (at + length > body.length) throw new WasmFormatError("a name runs past the end of its section");
      return body.subarray(at, (at += length));
    },
    valtype() { const t = body[at++]; if (t == 0x63 || t == 0x64) throw new WasmFormatError("a typed reference (the GC proposal) is not one these readers know"); return t; },
  };
}

/**
 * The import section `body` (none: no imports) as { module, name, kind, type }: the names' bytes,
 * the kind (0 function, 1 table, 2 memory, 3 global, 4 tag) and a function's type index.
 */
export function readImports(body) {
  const imports = [];
  if (!body) return imports;
  const c = cursor(body);
  const limits = () => { const flags = c.byte(); c.skip(); if (flags & 1) c.skip(); };
  for (let n = c.u32(); n > 0; n--) {
    const module = c.name(), name = c.name(), kind = c.byte();
    let type;
    if (kind == FUNCTION_KIND) type = c.u32();
    else if (kind == TABLE_KIND) c.valtype(), limits();
    else if (kind == MEMORY_KIND) limits();
    else if (kind == GLOBAL_KIND) c.valtype(), c.byte();
    else if (kind == TAG_KIND) c.byte(), c.u32();
    else throw new WasmFormatError(`an import of unknown kind ${kind}`);
    imports.push({ module, name, kind, type });
  }
  return imports;
}

/** The export section `body` (none: no exports) as { name, kind, index }: the name's bytes. */
export function readExports(body) {
  if (!body) return [];
  const c = cursor(body);
  return Array.from({ length: c.u32() }, () => ({ name: c.name(), kind: c.byte(), index: c.u32() }));
}

/** The unsigned LEB128 at `at` of `bytes`: [value, the offset after it]. */
export function readU32(bytes, at) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= bytes.length || shift > 28) throw new WasmFormatError("an unsigned LEB128 past the end or past 32 bits");
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [value, at];
  }
}
