import type { ResourceInfo } from '../cluster/discovery';
import type { ClusterClient, KubeObject } from '../cluster/http';
import { LiveStore } from '../cluster/liveStore';
import type { Result } from '../cluster/result';

export interface GroupVersion {
  group: string;
  version: string;
}

/** What a CRD event means for the schemas of its group/versions. */
export interface CrdChange {
  groupVersions: GroupVersion[];
  /** `present`: served now (installed, or a version added); `changed`: served before and now; `absent`: no longer served. */
  expect: 'present' | 'changed' | 'absent';
}

const CRDS: ResourceInfo = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, verbs: ['list', 'watch'] };

interface CrdShape {
  spec?: { group?: unknown; versions?: { name?: unknown; served?: unknown }[] };
  metadata?: { generation?: unknown };
}

function servedVersions(object: KubeObject): GroupVersion[] {
  const spec = (object as CrdShape).spec;
  if (typeof spec?.group !== 'string') return [];
  const group = spec.group;
  return (spec.versions ?? []).flatMap((v) => (typeof v.name === 'string' && v.served !== false ? [{ group, version: v.name }] : []));
}

const key = (gv: GroupVersion): string => `${gv.group}/${gv.version}`;

/**
 * The cluster's CustomResourceDefinitions by LIST + WATCH: which group/versions they serve, and
 * an event when one is installed, removed, or its spec changes (a new generation). Status
 * updates (Established, NamesAccepted) keep the generation and are not changes.
 */
export class CrdWatch {
  private readonly store: LiveStore;
  private readonly known = new Map<string, { generation: unknown; served: GroupVersion[] }>();
  private primed = false;
  readonly ready: Promise<Result<KubeObject[]>>;

  constructor(client: ClusterClient, onChange: (change: CrdChange) => void) {
    this.store = new LiveStore(client);
    this.store.onChange((_info, object, deleted) => {
      const name = object.metadata?.name ?? '';
      const before = this.known.get(name);
      const served = deleted ? [] : servedVersions(object);
      const generation = (object as CrdShape).metadata?.generation;
      if (deleted) this.known.delete(name);
      else this.known.set(name, { generation, served });
      // The first list only says what is there; what documents asked for meanwhile is checked by the caller.
      if (!this.primed) return;
      if (before !== undefined && !deleted && before.generation === generation) return;
      const was = new Set((before?.served ?? []).map(key));
      const now = new Set(served.map(key));
      const added = served.filter((gv) => !was.has(key(gv)));
      const kept = served.filter((gv) => was.has(key(gv)));
      const gone = (before?.served ?? []).filter((gv) => !now.has(key(gv)));
      if (added.length > 0) onChange({ groupVersions: added, expect: 'present' });
      if (kept.length > 0) onChange({ groupVersions: kept, expect: 'changed' });
      if (gone.length > 0) onChange({ groupVersions: gone, expect: 'absent' });
    });
    this.ready = this.store.list(CRDS, undefined).then((r) => {
      this.primed = true;
      return r;
    });
  }

  /** Whether a CRD the watch has seen serves this group/version (its OpenAPI may not be published yet). */
  serves(gv: GroupVersion): boolean {
    for (const crd of this.known.values()) if (crd.served.some((s) => s.group === gv.group && s.version === gv.version)) return true;
    return false;
  }

  dispose(): void {
    this.store.dispose();
  }
}
