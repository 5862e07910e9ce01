import type { Connection } from 'vscode-languageserver/node';
import type { ClusterTarget } from '../cluster/http';
import type { ClusterSession } from '../cluster/session';
import { clusterTargetOf } from '../workspace/clusters';
import type { ClusterError } from '../cluster/result';
import type { ManifestFile } from '../manifests/parse';
import { ClusterStatusNotification, type ClusterStatus, type PlumblineSettings } from '../protocol';
import type { SchemaBundle } from '../schemas/bundle';
import { LiveSchemaLayer } from '../schemas/liveLayer';
import { SchemaResolver } from '../schemas/resolver';

/**
 * The target cluster of the workspace as the LSP server uses it: one session and one live
 * schema layer, rebuilt when the cluster settings change, and one status for the client.
 */
export class ClusterState {
  session: ClusterSession | undefined;
  private layer: LiveSchemaLayer | undefined;
  private lastStatus = '';

  constructor(
    private readonly connection: Connection,
    readonly resolver: SchemaResolver,
    private readonly bundled: SchemaBundle,
    private readonly revalidate: () => void,
    /** The registry's session for a target: one per cluster, shared with drift and the tree. */
    private readonly sessionOf: (target: ClusterTarget) => ClusterSession,
  ) {}

  /** Follows the settings; the caller resets the registry first, which closes the old session. */
  configure(settings: PlumblineSettings, trusted: boolean): void {
    this.session = undefined;
    this.layer?.dispose();
    this.layer = undefined;
    this.resolver.setLayers([this.bundled]);
    if (!trusted || !settings.cluster.enabled) {
      this.publish({ context: settings.cluster.context, state: 'disabled', message: trusted ? 'cluster access is off (plumbline.cluster.enabled)' : 'untrusted workspace: no cluster is contacted' });
      return;
    }
    this.session = this.sessionOf(clusterTargetOf(settings.cluster));
    this.layer = new LiveSchemaLayer(this.session, this.bundled, this.resolver, () => {
      this.report();
      this.revalidate();
    }, (m) => this.connection.console.info(m));
    this.publish({ context: settings.cluster.context, state: 'connecting', message: 'connecting' });
  }

  /** Stops the live schema layer's CRD watch (shutdown); the registry closes the session. */
  dispose(): void {
    this.layer?.dispose();
    this.layer = undefined;
    this.session = undefined;
  }

  /** Asks for the live schemas of the kinds a file uses. */
  noteFile(file: ManifestFile): void {
    const layer = this.layer;
    if (layer === undefined) return;
    const gvs = file.documents.flatMap((d) => (d.identity === undefined ? [] : [{ group: d.identity.group, version: d.identity.version }]));
    if (gvs.length === 0) return;
    layer.request(gvs).then(() => this.report(), (e: unknown) => this.connection.console.error(`live schemas: ${String(e)}`));
  }

  /** Drift saw the cluster answer (undefined) or fail: keep the one status in step with it. */
  noteReachability(error: ClusterError | undefined): void {
    const context = this.session?.contextName ?? this.session?.target.context;
    if (error === undefined) this.publish({ context, state: 'connected', message: 'comparing with the live cluster and its schemas' });
    else this.publish({ context, state: 'unreachable', message: error.message });
  }

  private report(): void {
    const layer = this.layer;
    const session = this.session;
    if (layer === undefined || session === undefined) return;
    const context = session.contextName ?? session.target.context;
    const error = layer.status.error ?? session.lastError;
    if (layer.status.kind === 'live') this.publish({ context, state: 'connected', message: 'comparing with the live cluster and its schemas' });
    else if (layer.status.kind === 'cache') this.publish({ context, state: 'offline-cache', message: `unreachable, using cached schemas: ${error?.message ?? ''}` });
    else if (error !== undefined) this.publish({ context, state: 'unreachable', message: error.message });
  }

  private publish(status: ClusterStatus): void {
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.connection.sendNotification(ClusterStatusNotification, status).catch(() => undefined);
  }
}
