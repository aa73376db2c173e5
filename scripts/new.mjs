// make new DIR=<path> [NAME=<name>] [TEMPLATE=minimal|full]: writes a standalone Worker project
// at <path> from template/ (minimal), or template/ with template-full/ laid over it (full: a file
// there replaces the minimal one, a `<file>.append` is added to its end), depending on this
// checkout's runtime (by path) and glue package (file:), with the versions of wrangler and
// binaryen this repository pins. Nothing else is copied.
// Usage: node scripts/new.mjs <dir> [name] [template]
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from "./bundle.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Each template: the folders laid one over the other, in order.
export const TEMPLATES = {
  minimal: [join(ROOT, "template")],
  full: [join(ROOT, "template"), join(ROOT, "template-full")],
};
// Files stored under another name so that tools working on this repository leave them alone.
const RENAMED = { gitignore: ".gitignore", "dev.vars": ".dev.vars" };
const APPEND = ".append";

/** The values the template's {{placeholders}} take for a project named `name`. */
export function values(name) {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const glue = JSON.parse(readFileSync(join(ROOT, "js/package.json"), "utf8"));
  const toolchain = readFileSync(join(ROOT, "rust-toolchain.toml"), "utf8").match(/^channel = "(.*)"/m)[1];
  const [major, minor] = glue.version.split(".");
  return {
    name,
    runtime: join(ROOT, "runtime"),
    glue: `file:${join(ROOT, "js")}`,
    version_req: major === "0" ? `${major}.${minor}` : major,
    toolchain,
    compatibility_date: COMPATIBILITY_DATE,
    compatibility_flags: JSON.stringify(COMPATIBILITY_FLAGS),
    wrangler: pkg.devDependencies.wrangler,
    binaryen: pkg.devDependencies.binaryen,
    terser: pkg.devDependencies.terser,
  };
}

/** Writes the project from `template` (a key of TEMPLATES); returns its folder. */
export function create(dir, name = basename(resolve(dir)), template = "minimal") {
  if (!Object.hasOwn(TEMPLATES, template)) {
    throw new Error(`make new: TEMPLATE must be one of ${Object.keys(TEMPLATES).join(", ")}: ${JSON.stringify(template)}`);
  }
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
    throw new Error(`make new: NAME must be lower-case letters, digits and '-', starting with a letter (a Worker name and a crate name): ${JSON.stringify(name)}`);
  }
  const out = resolve(dir);
  if (existsSync(out) && readdirSync(out).length) throw new Error(`make new: ${out} exists and is not empty`);
  const vars = values(name);
  const fill = (text) =>
    text.replace(/\{\{(\w+)\}\}/g, (_, key) => {
      if (!(key in vars)) throw new Error(`template: unknown placeholder {{${key}}}`);
      return vars[key];
    });
  const copy = (from, to) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from)) {
      const append = entry.endsWith(APPEND);
      const base = append ? entry.slice(0, -APPEND.length) : entry;
      const source = join(from, entry), target = join(to, RENAMED[base] ?? base);
      if (statSync(source).isDirectory()) copy(source, target);
      else if (append && !existsSync(target)) throw new Error(`template: ${source} appends to a file no layer below has`);
      else writeFileSync(target, (append ? readFileSync(target, "utf8") : "") + fill(readFileSync(source, "utf8")));
    }
  };
  for (const layer of TEMPLATES[template]) copy(layer, out);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, name, template] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: make new DIR=<path> [NAME=<name>] [TEMPLATE=minimal|full]");
    process.exit(2);
  }
  try {
    const out = create(dir, name || undefined, template || undefined);
    console.log(`wrote ${out}. Next:\n  cd ${out}\n  npm install\n  npx wrangler dev     # serve it (Node.js 22 or later)\n  cargo test && npm test`);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
}
