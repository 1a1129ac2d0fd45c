// Compiles src/govuk-frontend.scss and copies GOV.UK Frontend's JavaScript into
// static/vendor/govuk-frontend/. Run through build.sh (or `npm run build`).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "node_modules", "govuk-frontend");
const out = join(here, "..", "..", "static", "vendor", "govuk-frontend");
mkdirSync(out, { recursive: true });

const result = sass.compile(join(here, "src", "govuk-frontend.scss"), {
  loadPaths: [join(here, "node_modules")],
  style: "compressed",
  quietDeps: true,
});
if (/url\(/.test(result.css)) {
  throw new Error("The compiled CSS still references a URL; the portal ships no GOV.UK assets.");
}
// Sass's compressed output starts with a byte-order mark when the CSS holds non-ASCII text
// (the Chinese font names). Behind our banner comment the mark is no longer the first byte,
// so browsers read it as part of the first selector and drop that rule: the :root block
// with --govuk-breakpoint-* custom properties, which the service navigation's menu toggle
// needs. Declare the encoding with @charset (it must come first) instead.
const css = result.css.replace(/^\uFEFF/, "").replace(/^@charset "UTF-8";/, "");
if (css.includes("\uFEFF")) {
  throw new Error("The compiled CSS holds a byte-order mark inside it.");
}
const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
writeFileSync(
  join(out, "govuk-frontend.min.css"),
  `@charset "UTF-8";\n/*! GOV.UK Frontend ${version} (MIT), recompiled for the credit archive portal: see tools/frontend */\n${css}\n`,
);
copyFileSync(join(pkg, "dist", "govuk", "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
writeFileSync(join(out, "VERSION"), `${version}\n`);
console.log(`govuk-frontend ${version} built into ${out}`);
