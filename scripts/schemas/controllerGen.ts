import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec';
import { extractModule, GO_ENV, goFlags, type ModuleDownload } from './gomod';
import { CONTROLLER_TOOLS } from './sources';

/** Builds controller-gen at the pinned version into the cache (once) and returns its path. */
export async function ensureControllerGen(cacheDir: string): Promise<string> {
  const binDir = join(cacheDir, 'bin', `controller-tools@${CONTROLLER_TOOLS.version}`);
  const bin = join(binDir, 'controller-gen');
  if (existsSync(bin)) return bin;
  mkdirSync(binDir, { recursive: true });
  await run('go', ['install', `${CONTROLLER_TOOLS.module}/cmd/controller-gen@${CONTROLLER_TOOLS.version}`], {
    cwd: cacheDir,
    env: { ...GO_ENV, GOBIN: binDir },
  });
  return bin;
}

/**
 * Generates the CRD manifests of an API-types module, as `make manifests` does in the project:
 * `controller-gen crd:crdVersions=v1 paths=./...` in the module. Returns file name → YAML.
 */
export async function generateCrds(controllerGen: string, mod: ModuleDownload, workDir: string): Promise<Map<string, string>> {
  const src = join(workDir, 'src');
  const out = join(workDir, 'crds');
  extractModule(mod, src);
  rmSync(out, { recursive: true, force: true });
  await run(controllerGen, [CONTROLLER_TOOLS.crdOptions, 'paths=./...', `output:crd:artifacts:config=${out}`], {
    cwd: src,
    env: { ...GO_ENV, GOFLAGS: goFlags('-mod=readonly') },
  });
  const files = new Map<string, string>();
  for (const name of readdirSync(out).sort()) {
    if (name.endsWith('.yaml')) files.set(name, readFileSync(join(out, name), 'utf8'));
  }
  if (files.size === 0) throw new Error(`controller-gen produced no CRDs for ${mod.path}@${mod.version}`);
  return files;
}
