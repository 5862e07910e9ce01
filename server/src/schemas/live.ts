import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterClient } from '../cluster/http';
import { ok, type Result } from '../cluster/result';
import { indexKinds, SchemaBundle } from './bundle';
import type { OpenApiSchema } from './openapi';

interface OpenApiIndex {
  paths?: Record<string, { serverRelativeURL?: string }>;
}

interface GroupVersionDocument {
  components?: { schemas?: Record<string, OpenApiSchema> };
}

/** `apis/apps/v1` for apps/v1, `api/v1` for the core group. */
export function openApiPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function serverKey(server: string): string {
  return createHash('sha256').update(server).digest('hex').slice(0, 16);
}

/**
 * The schemas a cluster serves at /openapi/v3, fetched per group/version as documents need
 * them and kept on disk by the server's content hash, so they also work offline.
 */
export class LiveSchemas {
  private index: Promise<Result<{ version: string; paths: Map<string, string> }>> | undefined;
  private indexAt = 0;
  private readonly loaded = new Map<string, Record<string, OpenApiSchema>>();
  /** The `hash` of the index entry each loaded group/version came from: it changes with the schema. */
  private readonly loadedHash = new Map<string, string>();
  /** Group/versions the cluster did not serve when last asked: a CRD installed since is looked for again. */
  private readonly missing = new Set<string>();
  private version = 'unknown';

  constructor(
    private readonly client: ClusterClient,
    private readonly cacheDir: string,
  ) {}

  private dir(version: string): string {
    return join(this.cacheDir, serverKey(this.client.server), version);
  }

  private fetchIndex(): Promise<Result<{ version: string; paths: Map<string, string> }>> {
    this.index ??= (async () => {
      this.indexAt = Date.now();
      const version = await this.client.request<{ gitVersion?: string }>('/version');
      if (!version.ok) return version;
      const index = await this.client.request<OpenApiIndex>('/openapi/v3');
      if (!index.ok) return index;
      const paths = new Map<string, string>();
      for (const [path, entry] of Object.entries(index.value.paths ?? {})) if (entry.serverRelativeURL !== undefined) paths.set(path, entry.serverRelativeURL);
      this.version = version.value.gitVersion ?? 'unknown';
      return ok({ version: this.version, paths });
    })().then((r) => {
      if (!r.ok) this.index = undefined;
      return r;
    });
    return this.index;
  }

  /** Whether the cluster did not serve this group/version when last asked. */
  isMissing(group: string, version: string): boolean {
    return this.missing.has(openApiPath(group, version));
  }

  /**
   * Loads the given group/versions (those the cluster serves); returns how many were new. The
   * index of /openapi/v3 is read again (at most every `staleAfterMs`) when a group/version is
   * not in it, so a CRD installed while the editor is open becomes known.
   */
  async ensure(groupVersions: Iterable<{ group: string; version: string }>, staleAfterMs = 2_000): Promise<Result<number>> {
    const wanted = [...groupVersions];
    let index = await this.fetchIndex();
    if (!index.ok) return index;
    const unknown = (paths: Map<string, string>): boolean => wanted.some((gv) => !this.loaded.has(openApiPath(gv.group, gv.version)) && !paths.has(openApiPath(gv.group, gv.version)));
    if (unknown(index.value.paths) && Date.now() - this.indexAt > staleAfterMs) {
      this.index = undefined;
      index = await this.fetchIndex();
      if (!index.ok) return index;
    }
    let added = 0;
    for (const gv of wanted) {
      const path = openApiPath(gv.group, gv.version);
      if (this.loaded.has(path)) continue;
      const url = index.value.paths.get(path);
      if (url === undefined) {
        this.missing.add(path);
        continue;
      }
      this.missing.delete(path);
      const hash = new URL(url, 'https://x').searchParams.get('hash') ?? 'nohash';
      const file = join(this.dir(index.value.version), `${path.replace(/\//g, '_')}.${hash}.json`);
      let doc: GroupVersionDocument | undefined;
      try {
        doc = JSON.parse(await readFile(file, 'utf8')) as GroupVersionDocument;
      } catch {
        const fetched = await this.client.request<GroupVersionDocument>(url, { timeoutMs: 60_000 });
        if (!fetched.ok) return fetched;
        doc = fetched.value;
        await mkdir(this.dir(index.value.version), { recursive: true });
        // Write then rename, so a crash never leaves half a schema in the cache.
        await writeFile(`${file}.tmp`, JSON.stringify(doc));
        await rename(`${file}.tmp`, file);
      }
      this.loaded.set(path, doc.components?.schemas ?? {});
      this.loadedHash.set(path, hash);
      added++;
    }
    return ok(added);
  }

  /**
   * Reads the index again, now: the hash it lists for a group/version (undefined when it lists
   * none) next to the hash of the schema loaded for it (undefined when none is).
   */
  async served(group: string, version: string): Promise<Result<{ listed: string | undefined; loaded: string | undefined }>> {
    this.index = undefined;
    const index = await this.fetchIndex();
    if (!index.ok) return index;
    const path = openApiPath(group, version);
    const url = index.value.paths.get(path);
    return ok({ listed: url === undefined ? undefined : (new URL(url, 'https://x').searchParams.get('hash') ?? 'nohash'), loaded: this.loadedHash.get(path) });
  }

  /** Drops what is loaded for a group/version, so the next `ensure` fetches it as the index lists it now. */
  forget(group: string, version: string): void {
    const path = openApiPath(group, version);
    this.loaded.delete(path);
    this.loadedHash.delete(path);
  }

  bundle(): SchemaBundle {
    const definitions: Record<string, OpenApiSchema> = {};
    for (const schemas of this.loaded.values()) Object.assign(definitions, schemas);
    return new SchemaBundle(
      { format: 1, kubernetesVersion: this.version, sources: { cluster: `${this.client.context} (${this.version})` }, definitions, kinds: indexKinds(definitions) },
      { kind: 'cluster', label: `cluster ${this.client.context} (${this.version})`, kubernetesVersion: this.version },
    );
  }
}

async function loadCachedVersion(dir: string, version: string, label: string, sourceKey: string): Promise<SchemaBundle> {
  const definitions: Record<string, OpenApiSchema> = {};
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.json')) continue;
    const doc = JSON.parse(await readFile(join(dir, file), 'utf8')) as GroupVersionDocument;
    Object.assign(definitions, doc.components?.schemas ?? {});
  }
  return new SchemaBundle(
    { format: 1, kubernetesVersion: version, sources: { cache: sourceKey }, definitions, kinds: indexKinds(definitions) },
    { kind: 'cache', label, kubernetesVersion: version },
  );
}

/** Schemas cached from any cluster of this Kubernetes version (v1.31 matches v1.31.x). */
export async function cachedSchemasOfVersion(cacheDir: string, version: string): Promise<SchemaBundle | undefined> {
  const root = join(cacheDir, 'openapi');
  const want = version.replace(/^v/, '');
  for (const server of await readdir(root).catch(() => [] as string[])) {
    for (const v of await readdir(join(root, server)).catch(() => [] as string[])) {
      const have = v.replace(/^v/, '');
      if (have === want || have.startsWith(`${want}.`)) return loadCachedVersion(join(root, server, v), v, `cached schemas (Kubernetes ${v})`, v);
    }
  }
  return undefined;
}

/** The newest schemas cached from a cluster, for when it cannot be reached. */
export async function cachedSchemas(cacheDir: string, server: string, context: string): Promise<SchemaBundle | undefined> {
  const root = join(cacheDir, serverKey(server));
  const versions = await readdir(root).catch(() => [] as string[]);
  let newest: { version: string; mtime: number } | undefined;
  for (const version of versions) {
    const info = await stat(join(root, version)).catch(() => undefined);
    if (info !== undefined && (newest === undefined || info.mtimeMs > newest.mtime)) newest = { version, mtime: info.mtimeMs };
  }
  if (newest === undefined) return undefined;
  return loadCachedVersion(join(root, newest.version), newest.version, `cached schemas of ${context} (${newest.version})`, `${context} (${newest.version})`);
}
