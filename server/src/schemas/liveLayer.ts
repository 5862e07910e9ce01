import type { ClusterSession } from '../cluster/session';
import type { ClusterError } from '../cluster/result';
import type { SchemaBundle } from './bundle';
import { cachedSchemas } from './live';
import type { SchemaResolver } from './resolver';

interface GroupVersion {
  group: string;
  version: string;
}

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
    const result = await schemas.ensure(groupVersions);
    if (!result.ok) return this.fallBack(groupVersions, result.error);
    // Not served yet: asked again on a later edit (LiveSchemas limits how often it rereads the index).
    for (const gv of groupVersions) if (schemas.isMissing(gv.group, gv.version)) this.requested.delete(`${gv.group}/${gv.version}`);
    this.status = { kind: 'live' };
    if (result.value > 0 || this.usingCache) {
      this.usingCache = false;
      this.resolver.setLayers([schemas.bundle(), this.bundled]);
      this.log(`schemas: ${result.value} group/version(s) loaded from ${schemas.bundle().source.label}`);
      this.onChange();
    }
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
