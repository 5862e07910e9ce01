/**
 * The parts of yaml-language-server's language service that Plumbline uses: the schema service,
 * the completer, the hover and the parse cache, and the modeline reader. Bundled on its own as
 * dist/yamlService.js and loaded on first use (plainYamlService.ts): a megabyte of code the
 * language server does not parse at start-up, nor ever in a workspace without such files.
 */
export { YAMLSchemaService } from 'yaml-language-server/out/server/src/languageservice/services/yamlSchemaService';
export { YamlCompletion } from 'yaml-language-server/out/server/src/languageservice/services/yamlCompletion';
export { YAMLHover } from 'yaml-language-server/out/server/src/languageservice/services/yamlHover';
export { yamlDocumentsCache } from 'yaml-language-server/out/server/src/languageservice/parser/yaml-documents';
export { getSchemaFromModeline } from 'yaml-language-server/out/server/src/languageservice/services/modelineUtil';
export { TextDocument } from 'vscode-languageserver-textdocument';
