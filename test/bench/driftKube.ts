// The drift benchmark's own line to the bench apiserver: raw HTTPS with the kubeconfig's client
// certificate over one keep-alive pool, for bulk server-side apply and for the hand-made drift.
// Independent of server/src on purpose: setting the cluster up must not use the code under test.

import * as https from 'node:https';
import * as k8s from '@kubernetes/client-node';

export interface KubeResponse {
  status: number;
  body: string;
}

export class DriftKube {
  private constructor(
    private readonly server: URL,
    private readonly tls: https.RequestOptions,
    private readonly agent: https.Agent,
  ) {}

  static async connect(kubeconfigPath: string, maxSockets = 32): Promise<DriftKube> {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error(`no current cluster in ${kubeconfigPath}`);
    const tls: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(tls);
    const agent = new https.Agent({ keepAlive: true, maxSockets, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized });
    return new DriftKube(new URL(cluster.server), tls, agent);
  }

  request(method: string, path: string, options: { body?: string; contentType?: string; timeoutMs?: number } = {}): Promise<KubeResponse> {
    const headers: Record<string, string | number> = { Accept: 'application/json' };
    for (const [k, v] of Object.entries(this.tls.headers ?? {})) if (typeof v === 'string') headers[k] = v;
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(options.body);
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        { protocol: 'https:', hostname: this.server.hostname, port: this.server.port, path, method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path}: no answer within ${options.timeoutMs ?? 30_000} ms`)));
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** Like request, but a non-2xx answer is an error carrying the server's message. */
  async must(method: string, path: string, options: { body?: string; contentType?: string; timeoutMs?: number } = {}): Promise<KubeResponse> {
    const res = await this.request(method, path, options);
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 500)}`);
    return res;
  }

  /** Server-side apply of one object as `fieldManager` (forced, as Flux does). */
  apply(path: string, object: unknown, fieldManager: string): Promise<KubeResponse> {
    return this.must('PATCH', `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`, {
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
    });
  }

  dispose(): void {
    this.agent.destroy();
  }
}

/** Runs `task` over `items` with at most `limit` in flight; fails with the first error. */
export async function forEachLimit<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
