import type { ClusterClient, KubeObject } from '../cluster/http';
import type { TerraformFacts } from '../health/terraform';

/** Flux source kinds a Terraform object may name, by their resource path (source.toolkit.fluxcd.io/v1). */
const SOURCES: Record<string, string> = { GitRepository: 'gitrepositories', OCIRepository: 'ocirepositories', Bucket: 'buckets' };

/**
 * The revision the Terraform object's source serves now (`status.artifact.revision`,
 * "main@sha1:…"): a plan made from another one is stale. Undefined when the source cannot be
 * read (not there, no permission, an older API): staleness is then judged by generation alone.
 */
export async function sourceRevision(client: ClusterClient, facts: TerraformFacts): Promise<string | undefined> {
  const ref = facts.sourceRef;
  const resource = ref === undefined ? undefined : SOURCES[ref.kind];
  if (ref === undefined || resource === undefined) return undefined;
  const namespace = ref.namespace ?? facts.namespace ?? client.namespace;
  const got = await client.request<KubeObject>(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${encodeURIComponent(namespace)}/${resource}/${encodeURIComponent(ref.name)}`, { timeoutMs: 5_000 });
  if (!got.ok) return undefined;
  const artifact = (got.value as { status?: { artifact?: { revision?: unknown } } }).status?.artifact;
  return typeof artifact?.revision === 'string' && artifact.revision !== '' ? artifact.revision : undefined;
}
