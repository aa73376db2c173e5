// settings.mk for the JavaScript tools: `settings.NIGHTLY`, `settings.ALLOCS` (a list), ...
// (the Makefile includes the same file; scripts/build.sh reads it with sed).
import { readFileSync } from "node:fs";

const text = readFileSync(new URL("../settings.mk", import.meta.url), "utf8");

/** Every `NAME := value` of settings.mk, as a string. */
export const settings = Object.fromEntries([...text.matchAll(/^([A-Z_]+)\s*:=\s*(.*)$/gm)].map(([, name, value]) => [name, value.trim()]));

/** A setting as a list of words. */
export const list = (name) => settings[name].split(/\s+/).filter(Boolean);
