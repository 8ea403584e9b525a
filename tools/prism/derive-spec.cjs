#!/usr/bin/env node
// Write a derived copy of an OpenAPI document with some paths removed, as JSON
// (Prism loads JSON as well as YAML). Meant for generated files under target/,
// never for the repo.
//
//   node tools/prism/derive-spec.cjs SPEC OUT.json [--drop-path PATH]... [--keep-only-path PATH]...
//
// Why: the 2025-06-16 spec has S3-style operations on /{bucketName} and
// /{bucketName}/{objectName}. Prism prefers literal path matches, but a request
// whose method is not defined on the literal path (PUT /balance) or whose
// literal path does not exist (GET /balancee) silently falls through to the
// bucket operations and gets a 2xx/500 instead of 405/404. Serving the non-bucket
// operations from a document without those two paths makes wrong routes visible.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const [, , src, out, ...rest] = process.argv;
if (!src || !out) {
  console.error('usage: derive-spec.cjs SPEC OUT.json [--drop-path PATH]... [--keep-only-path PATH]...');
  process.exit(2);
}
const drop = new Set();
const keepOnly = new Set();
for (let i = 0; i < rest.length; i += 2) {
  const [flag, value] = [rest[i], rest[i + 1]];
  if (value === undefined) { console.error(`missing value for ${flag}`); process.exit(2); }
  if (flag === '--drop-path') drop.add(value);
  else if (flag === '--keep-only-path') keepOnly.add(value);
  else { console.error(`unknown flag ${flag}`); process.exit(2); }
}
const doc = YAML.parse(fs.readFileSync(src, 'utf8'), { maxAliasCount: -1 });
for (const p of [...drop, ...keepOnly]) {
  if (!(p in doc.paths)) { console.error(`path not in spec: ${p}`); process.exit(1); }
}
for (const p of Object.keys(doc.paths)) {
  if (drop.has(p) || (keepOnly.size > 0 && !keepOnly.has(p))) delete doc.paths[p];
}
fs.writeFileSync(out, JSON.stringify(doc));
console.error(`derive-spec: wrote ${out} with ${Object.keys(doc.paths).length} paths`);
