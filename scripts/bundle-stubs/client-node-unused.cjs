// Stands in for what @kubernetes/client-node's config.js imports only for methods Plumbline never
// calls: node-fetch's Headers (applyToFetchOptions) and the generated API's configuration
// (makeApiClient). Plumbline reads the kubeconfig and applyToHTTPSOptions, and talks raw JSON
// itself; loading the generated models, node-fetch, whatwg-url and tr46 was ~150 ms of every
// `plumbline diff` start. Calling what they stood for fails loudly instead of silently.
'use strict';
function unused(name) {
  return function () {
    throw new Error(`${name} is not bundled with Plumbline (client-node's typed API and fetch are not used)`);
  };
}
exports.Headers = unused('node-fetch Headers');
exports.createConfiguration = unused('client-node createConfiguration');
exports.ServerConfiguration = unused('client-node ServerConfiguration');
