import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import type { Crd } from './crds';
import { mapLimit, run, sleep } from './exec';

/** The field manager our server-side applies use, so they are recognisable in the cluster. */
const FIELD_MANAGER = 'plumbline-schemas';

/** kubectl against one kubeconfig (exec plugins, client certificates and tokens all work as for the user). */
export class Kubectl {
  constructor(readonly kubeconfig: string) {}

  async run(args: readonly string[], input?: string): Promise<Buffer> {
    return (await run('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { input })).stdout;
  }

  async raw<T>(path: string): Promise<T> {
    return JSON.parse((await this.run(['get', '--raw', path])).toString('utf8')) as T;
  }
}

/** `gitVersion` from /version, e.g. "v1.36.3". */
export async function serverVersion(kubectl: Kubectl): Promise<string> {
  const info = await kubectl.raw<{ gitVersion?: unknown }>('/version');
  if (typeof info.gitVersion !== 'string' || !/^v\d+\.\d+\.\d+/.test(info.gitVersion)) {
    throw new Error(`the apiserver reports no usable version (/version gitVersion: ${JSON.stringify(info.gitVersion)})`);
  }
  return info.gitVersion;
}

interface CrdStatus {
  metadata: { name: string };
  spec: { group: string };
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

/** Server-side applies the CRDs and waits until every one is Established. */
export async function installCrds(kubectl: Kubectl, crds: readonly Crd[], timeoutMs: number): Promise<void> {
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: crds });
  await kubectl.run(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], list);
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(crds.map((crd) => crd.metadata.name));
  for (;;) {
    for (const crd of await listCrds(kubectl)) {
      const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      if (established) pending.delete(crd.metadata.name);
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) throw new Error(`CRDs not Established after ${timeoutMs / 1000}s: ${[...pending].join(', ')}`);
    await sleep(250);
  }
}

export async function listCrds(kubectl: Kubectl): Promise<CrdStatus[]> {
  return (await kubectl.raw<{ items: CrdStatus[] }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).items;
}

/** One group-version document of /openapi/v3. */
export interface OpenApiV3Document {
  components?: { schemas?: Record<string, OpenApiSchema> };
}

interface OpenApiV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** `api/v1` and `apis/<group>/<version>`: the documents that define object kinds. */
export function isGroupVersionPath(path: string): boolean {
  return path === 'api/v1' || /^apis\/[^/]+\/[^/]+$/.test(path);
}

/**
 * Waits until /openapi/v3 publishes a schema for every served version of every CRD (the
 * apiserver updates its OpenAPI documents asynchronously after a CRD is Established).
 */
export async function waitPublished(kubectl: Kubectl, crds: readonly Crd[], timeoutMs: number): Promise<void> {
  const expected = new Map<string, Set<string>>(); // GV path → kinds
  for (const crd of crds) {
    for (const version of crd.spec.versions) {
      if (!version.served) continue;
      const path = `apis/${crd.spec.group}/${version.name}`;
      const kinds = expected.get(path) ?? new Set<string>();
      kinds.add(crd.spec.names.kind);
      expected.set(path, kinds);
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const index = await kubectl.raw<OpenApiV3Index>('/openapi/v3');
    const missing: string[] = [];
    await mapLimit([...expected], 4, async ([path, kinds]) => {
      const entry = index.paths[path];
      if (entry === undefined) {
        missing.push(path);
        return;
      }
      const doc = await kubectl.raw<OpenApiV3Document>(entry.serverRelativeURL);
      const published = new Set<string>();
      for (const schema of Object.values(doc.components?.schemas ?? {})) {
        for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) published.add(`apis/${gvk.group}/${gvk.version}/${gvk.kind}`);
      }
      const absent = [...kinds].filter((kind) => !published.has(`${path}/${kind}`));
      if (absent.length === 0) expected.delete(path);
      else missing.push(`${path} (${absent.join(', ')})`);
    });
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`/openapi/v3 still lacks after ${timeoutMs / 1000}s: ${missing.sort().join('; ')}`);
    await sleep(500);
  }
}

/** Fetches the group-version documents of /openapi/v3 that `include` accepts, by path. */
export async function fetchOpenApiV3(kubectl: Kubectl, include: (path: string) => boolean): Promise<Map<string, OpenApiV3Document>> {
  const index = await kubectl.raw<OpenApiV3Index>('/openapi/v3');
  const paths = Object.keys(index.paths).filter(include).sort();
  const docs = await mapLimit(paths, 4, async (path) => kubectl.raw<OpenApiV3Document>(index.paths[path]?.serverRelativeURL ?? ''));
  return new Map(paths.map((path, i) => [path, docs[i] as OpenApiV3Document]));
}
