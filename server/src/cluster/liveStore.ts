import { Discovery, type ResourceInfo } from './discovery';
import type { ClusterClient, KubeObject } from './http';
import { ok, type ClusterError, type Result } from './result';

interface ListResponse {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string };
  items?: KubeObject[];
}

/** Objects of one resource in one namespace (or cluster-wide), kept current by a watch. */
class Collection {
  readonly objects = new Map<string, KubeObject>();
  ready: Promise<Result<void>>;
  private resourceVersion = '';
  private readonly abort = new AbortController();
  private stopped = false;
  error: ClusterError | undefined;

  constructor(
    private readonly client: ClusterClient,
    private readonly path: string,
    private readonly onChange: (object: KubeObject, deleted: boolean) => void,
    watch: boolean,
  ) {
    this.ready = this.list();
    if (watch) {
      void this.ready.then((r) => {
        if (r.ok) void this.watchLoop();
      });
    }
  }

  private async list(): Promise<Result<void>> {
    const listed = await this.client.request<ListResponse>(this.path, { timeoutMs: 60_000 });
    if (!listed.ok) {
      this.error = listed.error;
      return listed;
    }
    // Back after an outage: what was compared meanwhile could not be, so every object counts as changed.
    const recovered = this.error !== undefined;
    this.error = undefined;
    const seen = new Set<string>();
    // Items of a list carry no apiVersion/kind; the list names them for all.
    const apiVersion = listed.value.apiVersion;
    const kind = listed.value.kind?.replace(/List$/, '');
    for (const item of listed.value.items ?? []) {
      item.apiVersion ??= apiVersion;
      item.kind ??= kind;
      const name = item.metadata?.name ?? '';
      seen.add(name);
      const before = this.objects.get(name);
      this.objects.set(name, item);
      if (recovered || before?.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.onChange(item, false);
    }
    for (const [name, object] of this.objects) {
      if (!seen.has(name)) {
        this.objects.delete(name);
        this.onChange(object, true);
      }
    }
    this.resourceVersion = listed.value.metadata?.resourceVersion ?? '';
    return ok(undefined);
  }

  /** Watch from the last resourceVersion; relist on 410 Gone; back off while the cluster is away. */
  private async watchLoop(): Promise<void> {
    let backoff = 250;
    while (!this.stopped) {
      let expired = false;
      const result = await this.client.watch(this.path, { resourceVersion: this.resourceVersion, timeoutSeconds: '300' }, (event) => {
        if (event.type === 'ERROR') {
          const status = event.object as { code?: number };
          if (status.code === 410) expired = true;
          return;
        }
        const rv = event.object.metadata?.resourceVersion;
        if (rv !== undefined) this.resourceVersion = rv;
        if (event.type === 'BOOKMARK') return;
        const name = event.object.metadata?.name ?? '';
        if (event.type === 'DELETED') this.objects.delete(name);
        else this.objects.set(name, event.object);
        backoff = 250;
        this.onChange(event.object, event.type === 'DELETED');
      }, this.abort.signal);
      if (this.stopped) return;
      if (!result.ok || expired) {
        if (!result.ok) {
          this.error = result.error;
          await new Promise((resolve) => setTimeout(resolve, backoff));
          backoff = Math.min(backoff * 2, 30_000);
        }
        const relisted = await this.list();
        if (!relisted.ok) continue;
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }
}

/**
 * The live objects Plumbline compares with: one LIST then a WATCH per resource and namespace,
 * shared by every document that needs it, instead of a GET per object.
 */
export class LiveStore {
  private readonly collections = new Map<string, Collection>();
  private readonly listeners = new Set<(info: ResourceInfo, object: KubeObject, deleted: boolean) => void>();

  /**
   * `watch: false` for one-shot answers (`plumbline diff`): the LIST is the snapshot they compare
   * with, and a watch per collection would only cost a TLS connection and the server's work.
   */
  constructor(
    private readonly client: ClusterClient,
    private readonly watch = true,
  ) {}

  onChange(listener: (info: ResourceInfo, object: KubeObject, deleted: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private collection(info: ResourceInfo, namespace: string | undefined): Collection {
    const path = Discovery.path(info, info.namespaced ? namespace : undefined);
    const existing = this.collections.get(path);
    if (existing !== undefined) return existing;
    const c = new Collection(this.client, path, (object, deleted) => {
      for (const l of this.listeners) l(info, object, deleted);
    }, this.watch);
    this.collections.set(path, c);
    void c.ready.then((r) => {
      // A failed first list is retried by the next caller rather than remembered.
      if (!r.ok && this.collections.get(path) === c) {
        c.stop();
        this.collections.delete(path);
      }
    });
    return c;
  }

  /** The live object, or undefined when the cluster has none by that name. */
  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<Result<KubeObject | undefined>> {
    const c = this.collection(info, namespace);
    const ready = await c.ready;
    if (!ready.ok) return ready;
    return ok(c.objects.get(name));
  }

  /** Every live object of a resource in a namespace (for pruning and "managed but not in Git"). */
  async list(info: ResourceInfo, namespace: string | undefined): Promise<Result<KubeObject[]>> {
    const c = this.collection(info, namespace);
    const ready = await c.ready;
    if (!ready.ok) return ready;
    return ok([...c.objects.values()]);
  }

  dispose(): void {
    for (const c of this.collections.values()) c.stop();
    this.collections.clear();
  }
}
