import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** What a CommonJS module's wrapper (Module.wrap) takes. */
type ModuleWrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;

/**
 * Loads a CommonJS bundle as require() does, with V8's compiled code kept in `cacheDir` between
 * runs (Node 22 has module.enableCompileCache for this; Node 20 has nothing). Compiling the 1.8 MB
 * of cliCommands.js, and each function of it a run calls, was a tenth of a `plumbline diff`'s
 * CPU. The cache is written at exit of a run that had none (or whose cache V8 refused: another
 * Node, other V8 flags), so it holds the functions that run compiled, not only the top level.
 * `flavor` names the V8 flags the caller set before loading (they are part of V8's check).
 * Undefined when the bundle cannot be read: the caller requires it then.
 */
export function requireWithCodeCache(file: string, cacheDir: string, flavor: string): unknown {
  let source: string;
  let cacheFile: string;
  try {
    const stats = statSync(file);
    source = readFileSync(file, 'utf8');
    cacheFile = join(cacheDir, 'code', `${basename(file)}-${stats.size}-${Math.trunc(stats.mtimeMs)}-${process.version}-${process.arch}-${flavor}.v8`);
  } catch {
    return undefined;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename: file, ...(cachedData !== undefined ? { cachedData } : {}) });
  if (cachedData === undefined || script.cachedDataRejected === true) process.once('exit', () => writeCache(script, cacheFile, basename(file)));
  const module = new Module(file, require.main);
  module.filename = file;
  const load = createRequire(file);
  // As require() would: the module is known by its path while and after it runs.
  load.cache[file] = module;
  (script.runInThisContext() as ModuleWrapper).call(module.exports, module.exports, load, module, file, dirname(file));
  module.loaded = true;
  return module.exports;
}

/** Writes the code V8 compiled for `script` (replacing older caches of the same bundle); a cache that cannot be written is only a slower next start. */
function writeCache(script: Script, cacheFile: string, bundle: string): void {
  try {
    const dir = dirname(cacheFile);
    mkdirSync(dir, { recursive: true });
    for (const old of readdirSync(dir)) if (old.startsWith(`${bundle}-`) && old !== basename(cacheFile)) unlinkSync(join(dir, old));
    const temporary = `${cacheFile}.${process.pid}`;
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    // Read-only cache folder, full disk: the next run compiles again.
  }
}
