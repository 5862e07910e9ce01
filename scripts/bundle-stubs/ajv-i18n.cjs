// Stands in for ajv-i18n in the language server bundle: yaml-language-server localizes schema
// meta-validation messages, and Plumbline speaks English only (the other 20 languages are 150 KB).
'use strict';
module.exports = { en: require('ajv-i18n/localize/en') };
