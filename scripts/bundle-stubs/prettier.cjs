// Stands in for prettier in the language server bundle: yaml-language-server's formatter imports
// it, and Plumbline never formats through yaml-language-server (600 KB it would carry for nothing).
'use strict';
exports.format = () => Promise.reject(new Error('formatting YAML is not part of Plumbline'));
