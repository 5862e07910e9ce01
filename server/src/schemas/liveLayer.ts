import type { ClusterClient } from '../cluster/http';
import type { ClusterSession } from '../cluster/session';
import type { ClusterError } from '../cluster/result';
import type { SchemaBundle } from './bundle';
import { CrdWatch, type CrdChange, type GroupVersion } from './crdWatch';
import { cachedSchemas, type LiveSchemas } from './live';
import type { SchemaResolver } from './resolver';

/**
 * How long a CRD event keeps the index of /openapi/v3 asked: the apiserver publishes a CRD's
 * schema some time after the event (after Established), longer on a busy machine.
 */
const PUBLISH_DEADLINE_MS = 30_000;
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 500;

/**
 * Keeps the resolver's first layer filled with the schemas the target cluster serves for the
 * group/versions in use, falling back to its disk cache while it is unreachable.
 */
export class LiveSchemaLayer {
  private readonly requested = new Set<string>();
  private running: Promise<void> = Promise.resolve();
  private usingCache = false;
  /** After a failure, wait before asking the cluster again, so typing never hammers a dead cluster. */
  private retryAt = 0;
  status: { kind: 'live' | 'cache' | 'bundled'; error?: ClusterError } = { kind: 'bundled' };
  /** Every group/version a document asked for: a CRD event about one of them refreshes it. */
  private readonly wanted = new Map<string, GroupVersion>();
  private crds: CrdWatch | undefined;
  /** Group/versions waiting for the index to show a CRD's change, with what to wait for. */
  private readonly refreshes = new Map<string, { gv: GroupVersion; expect: CrdChange['expect']; until: number }>();
  private refreshing = false;
  private disposed = false;

  constructor(
    private readonly session: ClusterSession,
    private readonly bundled: SchemaBundle,
    private readonly resolver: SchemaResolver,
    private readonly onChange: () => void,
    private readonly log: (message: string) => void,
  ) {}

  /** Asks for the schemas of these group/versions; the resolver is updated when they arrive. */
  request(groupVersions: Iterable<GroupVersion>): Promise<void> {
    if (Date.now() < this.retryAt) return this.running;
    const fresh: GroupVersion[] = [];
    for (const gv of groupVersions) {
      const key = `${gv.group}/${gv.version}`;
      if (this.requested.has(key)) continue;
      this.requested.add(key);
      this.wanted.set(key, gv);
      fresh.push(gv);
    }
    if (fresh.length === 0) return this.running;
    this.running = this.running.then(() => this.load(fresh));
    return this.running;
  }

  private async load(groupVersions: GroupVersion[]): Promise<void> {
    const client = await this.session.client();
    const schemas = this.session.schemas;
    if (!client.ok || schemas === undefined) return this.fallBack(groupVersions, client.ok ? undefined : client.error);
    this.watchCrds(client.value);
    const result = await schemas.ensure(groupVersions);
    if (!result.ok) return this.fallBack(groupVersions, result.error);
    // Not served yet: asked again on a later edit (LiveSchemas limits how often it rereads the index).
    for (const gv of groupVersions) if (schemas.isMissing(gv.group, gv.version)) this.requested.delete(`${gv.group}/${gv.version}`);
    this.awaitPublished(groupVersions, schemas);
    this.status = { kind: 'live' };
    if (result.value > 0 || this.usingCache) {
      this.usingCache = false;
      this.resolver.setLayers([schemas.bundle(), this.bundled]);
      this.log(`schemas: ${result.value} group/version(s) loaded from ${schemas.bundle().source.label}`);
      this.onChange();
    }
  }

  /** Watches CRDs once connected, so a CRD installed, changed or removed re-validates what uses it. */
  private watchCrds(client: ClusterClient): void {
    if (this.crds !== undefined || this.disposed) return;
    const crds = new CrdWatch(client, (change) => this.crdChanged(change));
    this.crds = crds;
    void crds.ready.then((r) => {
      if (!r.ok) {
        this.log(`schemas: cannot watch CustomResourceDefinitions (${r.error.message}); a CRD installed later is seen on the next edit`);
        return;
      }
      // A CRD may have arrived between a document's first look and this list.
      const schemas = this.session.schemas;
      if (schemas !== undefined) this.awaitPublished([...this.wanted.values()], schemas);
    });
  }

  /** Group/versions a CRD serves but /openapi/v3 did not list yet: look again until it does. */
  private awaitPublished(groupVersions: GroupVersion[], schemas: LiveSchemas): void {
    const crds = this.crds;
    if (crds === undefined) return;
    for (const gv of groupVersions) if (schemas.isMissing(gv.group, gv.version) && crds.serves(gv)) this.queueRefresh(gv, 'present');
  }

  private crdChanged(change: CrdChange): void {
    for (const gv of change.groupVersions) if (this.wanted.has(`${gv.group}/${gv.version}`)) this.queueRefresh(gv, change.expect);
  }

  private queueRefresh(gv: GroupVersion, expect: CrdChange['expect']): void {
    this.refreshes.set(`${gv.group}/${gv.version}`, { gv, expect, until: Date.now() + PUBLISH_DEADLINE_MS });
    if (this.refreshing) return;
    this.refreshing = true;
    this.refreshLoop().then(
      () => (this.refreshing = false),
      (error: unknown) => {
        this.refreshing = false;
        this.log(`schemas: refresh after a CRD change failed: ${String(error)}`);
      },
    );
  }

  /**
   * Asks the index until it shows each change (a hash appears, changes, or goes), retrying
   * quickly then less so, each until its deadline; then reloads those group/versions and tells.
   */
  private async refreshLoop(): Promise<void> {
    let delay = FIRST_RETRY_MS;
    while (this.refreshes.size > 0 && !this.disposed) {
      const schemas = this.session.schemas;
      if (schemas === undefined) return;
      const settled: GroupVersion[] = [];
      for (const [key, wait] of [...this.refreshes]) {
        const served = await schemas.served(wait.gv.group, wait.gv.version);
        if (!served.ok) {
          // The cluster went away meanwhile: the next edit, or the watch when it is back, asks again.
          if (Date.now() > wait.until && this.refreshes.get(key) === wait) this.refreshes.delete(key);
          continue;
        }
        const { listed, loaded } = served.value;
        const shown = wait.expect === 'present' ? listed !== undefined && listed !== loaded : wait.expect === 'absent' ? listed === undefined || listed !== loaded : listed !== loaded;
        // Past the deadline the index is taken as it is: a spec change need not change the schema.
        if (shown || Date.now() > wait.until) {
          if (this.refreshes.get(key) === wait) this.refreshes.delete(key);
          settled.push(wait.gv);
        }
      }
      if (settled.length > 0) await this.reload(settled, schemas);
      if (this.refreshes.size === 0) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }

  private async reload(groupVersions: GroupVersion[], schemas: LiveSchemas): Promise<void> {
    for (const gv of groupVersions) schemas.forget(gv.group, gv.version);
    const result = await schemas.ensure(groupVersions, 0);
    if (!result.ok || this.disposed) return;
    for (const gv of groupVersions) {
      const key = `${gv.group}/${gv.version}`;
      if (schemas.isMissing(gv.group, gv.version)) this.requested.delete(key);
      else this.requested.add(key);
    }
    this.usingCache = false;
    this.status = { kind: 'live' };
    this.resolver.setLayers([schemas.bundle(), this.bundled]);
    this.log(`schemas: ${groupVersions.map((gv) => `${gv.group}/${gv.version}`).join(', ')} reloaded after a CustomResourceDefinition change`);
    this.onChange();
  }

  dispose(): void {
    this.disposed = true;
    this.crds?.dispose();
    this.crds = undefined;
    this.refreshes.clear();
  }

  private async fallBack(groupVersions: GroupVersion[], error: ClusterError | undefined): Promise<void> {
    // Ask again next time: the cluster may come back.
    for (const gv of groupVersions) this.requested.delete(`${gv.group}/${gv.version}`);
    this.retryAt = Date.now() + 30_000;
    this.status = { kind: 'bundled', ...(error !== undefined ? { error } : {}) };
    if (error !== undefined) this.log(`schemas: cluster unavailable (${error.message}); using cached or bundled schemas`);
    if (this.usingCache) return;
    const client = await this.session.client();
    if (!client.ok) return;
    const cached = await cachedSchemas(this.session.schemaCacheDir, client.value.server, client.value.context).catch(() => undefined);
    if (cached === undefined) return;
    this.usingCache = true;
    this.status = { kind: 'cache', ...(error !== undefined ? { error } : {}) };
    this.resolver.setLayers([cached, this.bundled]);
    this.onChange();
  }
}
