import type { ClusterClient } from './http';
import { fail, ok, type Result } from './result';

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs, e.g. deployments. */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

/** Which resource serves a kind, asked once per group/version and remembered. */
export class Discovery {
  private readonly byGroupVersion = new Map<string, Promise<Result<ResourceInfo[]>>>();

  constructor(private readonly client: ClusterClient) {}

  private groupVersion(group: string, version: string): Promise<Result<ResourceInfo[]>> {
    const key = `${group}/${version}`;
    let pending = this.byGroupVersion.get(key);
    if (pending === undefined) {
      pending = this.client.request<ApiResourceList>(group === '' ? `/api/${version}` : `/apis/${group}/${version}`).then((r) => {
        if (!r.ok) {
          // A failure must not be remembered forever: the next call asks again.
          this.byGroupVersion.delete(key);
          return r;
        }
        return ok(
          (r.value.resources ?? [])
            .filter((res) => !res.name.includes('/'))
            .map((res) => ({ group, version, kind: res.kind, plural: res.name, namespaced: res.namespaced, verbs: res.verbs ?? [] })),
        );
      });
      this.byGroupVersion.set(key, pending);
    }
    return pending;
  }

  async resource(group: string, version: string, kind: string): Promise<Result<ResourceInfo>> {
    const list = await this.groupVersion(group, version);
    if (!list.ok) {
      if (list.error.kind === 'not-found') return fail('not-found', `the cluster does not serve ${group === '' ? version : `${group}/${version}`}`);
      return list;
    }
    const found = list.value.find((r) => r.kind === kind);
    return found === undefined ? fail('not-found', `the cluster does not serve ${kind} in ${group === '' ? version : `${group}/${version}`}`) : ok(found);
  }

  /** The URL path of a collection or one object. */
  static path(info: ResourceInfo, namespace: string | undefined, name?: string): string {
    const base = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
    const ns = info.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${info.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }
}
