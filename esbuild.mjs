// One build for the three bundles: the extension client, the language server and the CLI.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  // yaml-language-server and friends carry optional requires we never take.
  logOverride: { 'require-resolve-not-external': 'silent' },
  // yaml reads these debug switches on every token; they are never set for us.
  define: { 'process.env.LOG_TOKENS': 'undefined', 'process.env.LOG_STREAM': 'undefined' },
};

/**
 * Modules yaml-language-server imports for features the language server does not use (its
 * formatter's prettier, ajv-i18n's other languages), replaced by small stand-ins.
 */
const STUBS = {
  'prettier/standalone': 'scripts/bundle-stubs/prettier.cjs',
  'prettier/plugins/yaml': 'scripts/bundle-stubs/prettier.cjs',
  'prettier/plugins/estree': 'scripts/bundle-stubs/prettier.cjs',
  'ajv-i18n': 'scripts/bundle-stubs/ajv-i18n.cjs',
};

/** @type {esbuild.Plugin} */
const stubUnused = {
  name: 'stub-unused',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STUBS).map((k) => k.replace(/[/.-]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: new URL(STUBS[args.path], import.meta.url).pathname }));
  },
};

/**
 * client-node's config.js (the kubeconfig reader, the only part of client-node Plumbline uses)
 * imports node-fetch and the generated API for two methods Plumbline never calls; those imports,
 * from that file only, get a stand-in (see the stub's header).
 */
/** @type {esbuild.Plugin} */
const trimClientNode = {
  name: 'trim-client-node',
  setup(build) {
    const stub = new URL('scripts/bundle-stubs/client-node-unused.cjs', import.meta.url).pathname;
    build.onResolve({ filter: /^(node-fetch|\.\/gen\/index\.js)$/ }, (args) =>
      /@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/.test(args.importer) ? { path: stub } : undefined,
    );
  },
};

/**
 * Escapes what esbuild leaves outside ASCII (comments and regular expression literals keep their
 * characters) as \uXXXX, which means the same in a comment, a string, a regular expression and an
 * identifier. Node reads a bundle as UTF-8 into a V8 string: pure ASCII is a one-byte string,
 * decoded at memcpy speed, while a single `µ` made the whole 1.9 MB of cliCommands.js a two-byte
 * string (3.7 MB of fresh memory, a slower decode and parse) at every start of the CLI.
 */
/** @type {esbuild.Plugin} */
const asciiOnly = {
  name: 'ascii-only',
  setup(build) {
    build.onEnd((result) => {
      for (const file of Object.keys(result.metafile?.outputs ?? {})) {
        if (!file.endsWith('.js')) continue;
        const text = readFileSync(file, 'utf8');
        // Per UTF-16 unit: a character outside the BMP becomes its surrogate pair's escapes.
        if (/[^\x00-\x7f]/.test(text)) writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
      }
    });
  },
};

const builds = [
  { ...common, entryPoints: { client: 'client/src/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...common, entryPoints: { server: 'server/src/lsp/main.ts' }, outdir: 'dist', plugins: [trimClientNode] },
  // yaml-language-server's language service, which server.js loads on the first values file or modeline.
  {
    ...common,
    entryPoints: { yamlService: 'server/src/validation/yamlLanguageParts.ts' },
    outdir: 'dist',
    plugins: [stubUnused],
    // jsonc-parser's main build is UMD, whose requires esbuild cannot follow: its ES module build.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  },
  { ...common, entryPoints: { cli: 'server/src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, metafile: true, plugins: [trimClientNode, asciiOnly] },
  // The commands that reach clusters and Git, which cli.js loads on first use: `check` starts without them.
  { ...common, entryPoints: { cliCommands: 'server/src/cli/clusterCommands.ts' }, outdir: 'dist', metafile: true, plugins: [trimClientNode, asciiOnly] },
  // check's post-build value lookup (environment discovery), which cli.js loads only for a file with a placeholder.
  { ...common, entryPoints: { cliPostBuild: 'server/src/cli/postBuildLookup.ts' }, outdir: 'dist', plugins: [trimClientNode] },
  // Worker threads of `plumbline check`, loaded beside cli.js: the engine without the cluster client.
  { ...common, entryPoints: { checkWorker: 'server/src/check/checkWorker.ts' }, outdir: 'dist' },
  // The thread that runs Argo CD health scripts, loaded beside server.js and cliCommands.js on first use.
  { ...common, entryPoints: { luaWorker: 'server/src/health/luaWorker.ts' }, outdir: 'dist' },
];

// The Lua runtime's WebAssembly, which the bundled wasmoon loads from beside luaWorker.js.
mkdirSync('dist', { recursive: true });
copyFileSync(createRequire(import.meta.url).resolve('wasmoon/dist/glue.wasm'), 'dist/glue.wasm');

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
