import { join } from 'node:path';
import { LiveSchemas } from '../schemas/live';
import { defaultCacheDir } from './cacheDir';
import { Discovery } from './discovery';
import { ClusterClient, type ClusterTarget } from './http';
import type { ClusterError, Result } from './result';

/** One cluster as the engine sees it: its client, discovery and live schemas, created on first use. */
export class ClusterSession {
  private connecting: Promise<Result<ClusterClient>> | undefined;
  discovery: Discovery | undefined;
  schemas: LiveSchemas | undefined;
  lastError: ClusterError | undefined;
  /** The context actually used, once connected (the current one when none was named). */
  contextName: string | undefined;

  constructor(
    readonly target: ClusterTarget,
    private readonly cacheDir: string = defaultCacheDir(),
  ) {}

  async client(): Promise<Result<ClusterClient>> {
    this.connecting ??= ClusterClient.connect(this.target).then((r) => {
      if (r.ok) {
        this.contextName = r.value.context;
        this.discovery = new Discovery(r.value);
        this.schemas = new LiveSchemas(r.value, join(this.cacheDir, 'openapi'));
      } else {
        this.lastError = r.error;
        // A kubeconfig fixed later must be picked up.
        this.connecting = undefined;
      }
      return r;
    });
    return this.connecting;
  }

  get schemaCacheDir(): string {
    return join(this.cacheDir, 'openapi');
  }

  dispose(): void {
    void this.connecting?.then((r) => r.ok && r.value.dispose());
  }
}
