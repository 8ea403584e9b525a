// Preloaded into `prism mock` by start.sh (node --require).
//
// Works around a Prism CLI bug (present in 5.14.2 and still in 5.16.0): after the
// server starts listening, the CLI prints one example URL per operation, and
// paths.js:createQueryUriTemplate does `spec.name = encodeURI(spec.name)` on the
// *live* operation objects. Every query parameter whose name contains `[`/`]`
// (page[number], filter[status][eq], filter[phone_number][in][] ...) is thereby
// renamed to `page%5Bnumber%5D`, which never matches the decoded name of an
// incoming query parameter, so those parameters are silently NOT validated (and a
// required one would always be reported missing). Cf. stoplightio/prism#2017.
//
// Fix: let the listing work on copies of the query parameter objects. The same
// code also sets `explode = true` on form-style params without an explicit
// `explode` (the OpenAPI default); keep doing that on the live objects so that
// array params keep the unpatched CLI's semantics (repeated `a[]=x&a[]=y`).
'use strict';
const paths = require('@stoplight/prism-cli/dist/util/paths');
const original = paths.createExamplePath;
paths.createExamplePath = function createExamplePathOnCopy(operation, ...rest) {
  const query = operation && operation.request && operation.request.query;
  if (Array.isArray(query)) {
    for (const spec of query) {
      if ((spec.style || 'form') === 'form' && spec.explode === undefined) spec.explode = true;
    }
    operation = { ...operation, request: { ...operation.request, query: query.map(spec => ({ ...spec })) } };
  }
  return original.call(this, operation, ...rest);
};
