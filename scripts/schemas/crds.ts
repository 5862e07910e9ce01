import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureControllerGen, generateCrds } from './controllerGen';
import { mapLimit } from './exec';
import { downloadModule, moduleFiles } from './gomod';
import type { CrdSource } from './sources';

/** The parts of a CustomResourceDefinition this script reads. */
export interface Crd {
  apiVersion: string;
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean }[];
  };
}

export interface LoadedCrds {
  source: CrdSource;
  /** Where the manifests came from, for SOURCES.md. */
  origin: string;
  crds: Crd[];
}

/** Downloads every source and returns its CRDs (generating them where the source is an API module). */
export async function loadCrds(sources: readonly CrdSource[], cacheDir: string, log: (line: string) => void): Promise<LoadedCrds[]> {
  // controller-gen builds once, in parallel with the downloads; the generators then run one by one
  // (each type-checks a module and its dependencies: memory- and CPU-heavy on a small machine).
  const needsGenerator = sources.some((s) => s.from === 'controller-gen');
  const generator = needsGenerator ? ensureControllerGen(cacheDir) : Promise.resolve('');
  const downloaded = await mapLimit(sources, 4, async (source) => ({ source, mod: await downloadModule(source.module, source.version) }));
  const controllerGen = await generator;
  const loaded: LoadedCrds[] = [];
  for (const { source, mod } of downloaded) {
    const started = Date.now();
    let texts: Map<string, string>;
    let origin: string;
    if (source.from === 'manifests') {
      const wanted = (path: string): boolean =>
        source.files.some((f) => (f.endsWith('/') ? path.startsWith(f) && path.endsWith('.yaml') && !path.slice(f.length).includes('/') : path === f));
      texts = new Map([...moduleFiles(mod, wanted)].map(([path, content]) => [path, content.toString('utf8')]));
      for (const f of source.files) {
        if (!f.endsWith('/') && !texts.has(f)) throw new Error(`${source.module}@${source.version} has no ${f}`);
      }
      origin = source.files.join(', ');
    } else {
      texts = await generateCrds(controllerGen, mod, join(cacheDir, 'work', `${source.module.replaceAll('/', '_')}@${source.version}`));
      origin = 'controller-gen from the API types';
    }
    const crds = [...texts].flatMap(([file, text]) => parseCrds(text, `${source.module}@${source.version}/${file}`));
    if (crds.length === 0) throw new Error(`${source.module}@${source.version}: no CustomResourceDefinitions found`);
    log(`  ${source.name} ${source.version}: ${crds.map((c) => c.spec.names.kind).join(', ')} (${Date.now() - started} ms)`);
    loaded.push({ source, origin, crds });
  }
  return loaded;
}

function parseCrds(text: string, where: string): Crd[] {
  const crds: Crd[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]?.message ?? 'YAML error'}`);
    const value: unknown = doc.toJS({ maxAliasCount: -1 });
    if (value === null || value === undefined) continue;
    if (!isCrd(value)) throw new Error(`${where}: expected only CustomResourceDefinitions (apiextensions.k8s.io/v1)`);
    crds.push(value);
  }
  return crds;
}

function isCrd(value: unknown): value is Crd {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { apiVersion?: unknown; kind?: unknown; spec?: { group?: unknown; versions?: unknown } };
  return (
    v.apiVersion === 'apiextensions.k8s.io/v1' &&
    v.kind === 'CustomResourceDefinition' &&
    typeof v.spec?.group === 'string' &&
    Array.isArray(v.spec.versions)
  );
}
