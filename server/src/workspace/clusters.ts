import type { ResourceInfo } from '../cluster/discovery';
import type { ClusterTarget, KubeObject } from '../cluster/http';
import type { Result } from '../cluster/result';
import { ClusterSession } from '../cluster/session';
import { DriftEngine, type DriftOptions } from '../drift/engine';
import type { Environment } from '../environments/model';
import { clusterOf } from '../environments/target';
import type { PlumblineSettings } from './settings';

type LiveListener = (session: ClusterSession, info: ResourceInfo, object: KubeObject) => void;

interface Entry {
  session: ClusterSession;
  engine: Promise<Result<DriftEngine>> | undefined;
}

/** The cluster of an environment (its own kubeconfig and context when it names them) or, without one, the settings' cluster. */
export function clusterTargetOf(cluster: PlumblineSettings['cluster'], environment?: Environment): ClusterTarget {
  const { kubeconfigPath, context, server } = clusterOf(environment, { kubeconfigPath: cluster.kubeconfig, context: cluster.context });
  return { ...(kubeconfigPath !== undefined ? { kubeconfigPath } : {}), ...(context !== undefined ? { context } : {}), ...(server !== undefined ? { server } : {}) };
}

/** The key of a cluster: two kubeconfigs may give one context name to different clusters. */
export function clusterKey(target: ClusterTarget): string {
  return `${target.kubeconfigPath ?? ''}\u0000${target.context ?? ''}\u0000${target.context === undefined ? (target.server ?? '') : ''}`;
}

/**
 * Every cluster the workspace talks to, once: kubeconfig + context → session → drift engine
 * with its live watches. The editor, the tree and previews share them, so they compare with the
 * same options and one watch per kind; `reset` (settings changed) and `dispose` (shutdown)
 * close them all.
 */
export class ClusterRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<LiveListener>();

  constructor(
    private readonly options: () => Partial<DriftOptions>,
    /** Where sessions cache live schemas; read when a session is made (the client says it at start-up). */
    private readonly cacheDir: () => string | undefined = () => undefined,
  ) {}

  session(target: ClusterTarget): ClusterSession {
    return this.entry(target).session;
  }

  /** The session's drift engine; a failed connection is not remembered, so the next call retries. */
  engine(target: ClusterTarget): Promise<Result<DriftEngine>> {
    const entry = this.entry(target);
    entry.engine ??= DriftEngine.forSession(entry.session, this.options()).then((r) => {
      if (!r.ok) entry.engine = undefined;
      else r.value.live?.onChange((info, object) => {
        for (const listener of this.listeners) listener(entry.session, info, object);
      });
      return r;
    });
    return entry.engine;
  }

  /** Called for every change a live watch of any engine sees; returns the unsubscribe. */
  onLiveChange(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes every session and watch (settings changed): the next request connects again. */
  reset(): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const e of entries) {
      void e.engine?.then((r) => r.ok && r.value.dispose());
      e.session.dispose();
    }
  }

  dispose(): void {
    this.reset();
    this.listeners.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(target: ClusterTarget): Entry {
    const key = clusterKey(target);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { session: new ClusterSession(target, this.cacheDir()), engine: undefined };
      this.entries.set(key, entry);
    }
    return entry;
  }
}
