import { watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ResourceInfo } from '../cluster/discovery';
import type { KubeObject } from '../cluster/http';
import type { EnvironmentStatus } from '../delivery/status';
import { attempt, gitAt } from '../git/repo';
import { parseApiVersion } from '../manifests/identity';
import type { EnvironmentsChangedParams } from '../protocol';
import type { ClusterRegistry } from '../workspace/clusters';

function objectKey(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}/${kind}/${namespace ?? ''}/${name}`;
}

/** Git writes these next to what it changes and renames them over it; the rename is the change. */
const GIT_NOISE = /\.lock$|^objects$|^logs$|^COMMIT_EDITMSG$|^gc\.pid$/;

/**
 * Tells the client when what the environments tree shows has changed, without being asked:
 * a watched object of an environment changed in its cluster (the drift engines' live watches
 * stay open between tree requests for that), or Git's HEAD, index or refs moved. Debounced, so
 * a burst (a rollout, a rebase) is one notification.
 */
export class EnvironmentsWatch {
  private readonly unsubscribe: () => void;
  /** Object key → the environments that render it. */
  private watched = new Map<string, Set<string>>();
  private readonly gitWatchers: FSWatcher[] = [];
  private gitRoot: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending: { reasons: Set<EnvironmentsChangedParams['reason']>; environments: Set<string> | undefined } = { reasons: new Set(), environments: new Set() };

  constructor(
    private readonly notify: (params: EnvironmentsChangedParams) => void,
    private readonly log: (message: string) => void,
    clusters: ClusterRegistry,
    private readonly debounceMs = 300,
  ) {
    // The drift engines' live watches stay open between tree requests: a change there is news.
    this.unsubscribe = clusters.onLiveChange((_session, info, object) => this.liveChanged(info, object));
  }

  /** Remembers which cluster objects each environment shows, from the statuses just computed. */
  track(statuses: readonly EnvironmentStatus[]): void {
    const watched = new Map<string, Set<string>>();
    for (const s of statuses) {
      for (const r of s.resources) {
        const key = objectKey(parseApiVersion(r.apiVersion).group, r.kind, r.clusterNamespace ?? r.namespace ?? s.environment.target.namespace, r.name);
        let envs = watched.get(key);
        if (envs === undefined) watched.set(key, (envs = new Set()));
        envs.add(s.environment.name);
      }
    }
    this.watched = watched;
  }

  private liveChanged(info: ResourceInfo, object: KubeObject): void {
    const key = objectKey(info.group, info.kind, info.namespaced ? object.metadata?.namespace : undefined, object.metadata?.name ?? '');
    const envs = this.watched.get(key);
    if (envs !== undefined) this.changed('cluster', [...envs]);
  }

  /** Watches the repository's HEAD, index and refs (once per root; a folder outside Git is not watched). */
  async watchGit(root: string): Promise<void> {
    if (this.gitRoot === root) return;
    this.gitRoot = root;
    for (const w of this.gitWatchers.splice(0)) w.close();
    const dirs = await attempt(gitAt(root), ['rev-parse', '--absolute-git-dir', '--git-common-dir']).catch(() => undefined);
    if (dirs === undefined || !dirs.ok) return;
    const [gitDir = '', common = ''] = dirs.stdout.split('\n').map((l) => l.trim());
    const commonDir = resolve(root, common);
    const onEvent = (_event: string, file: string | null): void => {
      if (file !== null && GIT_NOISE.test(file)) return;
      this.changed('git', undefined);
    };
    const add = (path: string, recursive: boolean): void => {
      try {
        const w = watch(path, { recursive, persistent: false }, onEvent);
        w.on('error', (e) => this.log(`git watch of ${path} stopped: ${e.message}`));
        this.gitWatchers.push(w);
      } catch (error: unknown) {
        this.log(`cannot watch ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    // HEAD and index live in this worktree's git dir; branches, remote branches and packed-refs in the common one.
    add(gitDir, false);
    if (commonDir !== gitDir) add(commonDir, false);
    add(join(commonDir, 'refs'), true);
  }

  private changed(reason: EnvironmentsChangedParams['reason'], environments: string[] | undefined): void {
    this.pending.reasons.add(reason);
    if (environments === undefined) this.pending.environments = undefined;
    else for (const e of environments) this.pending.environments?.add(e);
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const { reasons, environments: envs } = this.pending;
      this.pending = { reasons: new Set(), environments: new Set() };
      // One reason per notification: a Git change concerns every environment, so it wins.
      const reason = reasons.has('git') ? 'git' : 'cluster';
      this.notify({ reason, ...(envs !== undefined && reason === 'cluster' ? { environments: [...envs].sort() } : {}) });
    }, this.debounceMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const w of this.gitWatchers.splice(0)) w.close();
    this.unsubscribe();
  }
}
