import { gunzipSync } from 'node:zlib';
import type { ClusterClient, KubeObject } from '../cluster/http';
import { parseApiVersion } from '../manifests/identity';
import { kubectlValue } from '../manifests/kubectlRead';
import { ManifestParser } from '../manifests/parse';
import { isObject } from './diff';

/** What Helm writes on every object of a release (Helm 3.2 and later), naming the release. */
export const HELM_RELEASE_NAME = 'meta.helm.sh/release-name';
export const HELM_RELEASE_NAMESPACE = 'meta.helm.sh/release-namespace';

interface ReleaseSecret {
  metadata?: { labels?: Record<string, string>; resourceVersion?: string };
  data?: Record<string, string>;
}

/** How long a release's manifest is taken as current: a comparison of a whole release asks once, an upgrade later is seen. */
const FRESH_MS = 5_000;

/**
 * The objects of Helm releases as last deployed, read from Helm's own record of them (the
 * `sh.helm.release.v1.<release>.v<N>` Secret, status `deployed`): the "original" side of the
 * three-way merge with which Helm 3 — and so Flux helm-controller — upgrades an object. Fields in
 * it that the chart no longer renders are removed by the next upgrade; fields in neither are kept.
 * The Secret's payload never leaves this module: only the object matching the live one does.
 */
export class HelmReleases {
  private readonly releases = new Map<string, { at: number; objects: Promise<KubeObject[] | undefined> }>();

  constructor(private readonly client: ClusterClient) {}

  /** The live object as the release last deployed it; undefined when the release record cannot be read (RBAC, another storage driver). */
  async lastDeployed(live: KubeObject, storageNamespaces: readonly string[]): Promise<Record<string, unknown> | undefined> {
    const annotations = live.metadata?.annotations ?? {};
    const release = annotations[HELM_RELEASE_NAME];
    if (release === undefined) return undefined;
    const namespaces = [...new Set([...storageNamespaces, annotations[HELM_RELEASE_NAMESPACE], live.metadata?.namespace].filter((n): n is string => n !== undefined))];
    for (const namespace of namespaces) {
      const objects = await this.objectsOf(namespace, release);
      if (objects === undefined) continue;
      return objects.find((o) => sameObject(o, live, annotations[HELM_RELEASE_NAMESPACE]));
    }
    return undefined;
  }

  private objectsOf(namespace: string, release: string): Promise<KubeObject[] | undefined> {
    const key = `${namespace}/${release}`;
    const known = this.releases.get(key);
    if (known !== undefined && Date.now() - known.at < FRESH_MS) return known.objects;
    const objects = this.read(namespace, release);
    this.releases.set(key, { at: Date.now(), objects });
    return objects;
  }

  private async read(namespace: string, release: string): Promise<KubeObject[] | undefined> {
    const listed = await this.client.request<{ items?: ReleaseSecret[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, {
      query: { labelSelector: `owner=helm,name=${release},status=deployed` },
    });
    if (!listed.ok) return undefined;
    const newest = (listed.value.items ?? []).sort((a, b) => Number(b.metadata?.labels?.['version'] ?? 0) - Number(a.metadata?.labels?.['version'] ?? 0))[0];
    const manifest = newest?.data?.['release'] === undefined ? undefined : manifestOf(newest.data['release']);
    return manifest === undefined ? undefined : objectsOfManifest(manifest);
  }
}

/** A release record's manifest: the Secret's value is base64 of Helm's base64 of gzip of the release's JSON. */
export function manifestOf(secretValue: string): string | undefined {
  try {
    const helmEncoded = Buffer.from(Buffer.from(secretValue, 'base64').toString('utf8'), 'base64');
    // Helm gzips releases; a record written without compression starts with the JSON itself.
    const json = helmEncoded[0] === 0x1f && helmEncoded[1] === 0x8b ? gunzipSync(helmEncoded).toString('utf8') : helmEncoded.toString('utf8');
    const release = JSON.parse(json) as unknown;
    return isObject(release) && typeof release['manifest'] === 'string' ? release['manifest'] : undefined;
  } catch {
    return undefined;
  }
}

/** The objects of a release's manifest, read as Helm applied them (YAML 1.1 scalars, see kubectlValue). */
export function objectsOfManifest(manifest: string): KubeObject[] {
  const file = new ManifestParser().parse(manifest);
  return file.documents.flatMap((d) => {
    if (d.syntax.some((p) => p.severity === 'error')) return [];
    const value = kubectlValue(file, d, 50);
    return isObject(value) && typeof value['kind'] === 'string' ? [value] : [];
  });
}

/** The release's object for the live one: same group, kind and name; the namespace is the release's where the chart leaves it out. */
function sameObject(candidate: KubeObject, live: KubeObject, releaseNamespace: string | undefined): boolean {
  if (candidate.kind !== live.kind || candidate.metadata?.name !== live.metadata?.name) return false;
  if (parseApiVersion(candidate.apiVersion ?? '').group !== parseApiVersion(live.apiVersion ?? '').group) return false;
  const namespace = candidate.metadata?.namespace ?? releaseNamespace;
  return live.metadata?.namespace === undefined || namespace === undefined || namespace === live.metadata.namespace;
}
