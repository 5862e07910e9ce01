import { existsSync } from 'node:fs';
import { NO_KUBECONFIG } from './kubeconfigContexts';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { checkKubeconfigFile, describeLoadError, kubeconfigFiles } from './kubeconfigFile';
import { fail, kindOfStatus, ok, type Result } from './result';
import type { KubeObject } from '../manifests/kubeObject';

export type { KubeObject, ManagedFieldsEntry } from '../manifests/kubeObject';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Record<string, string | undefined>;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ClusterTarget {
  kubeconfigPath?: string;
  /** Kubeconfig context; the current context when undefined. */
  context?: string;
  /** Without a context: the context whose cluster has this API server URL (an Argo CD destination's `server`). */
  server?: string;
  /** Where objects without a namespace go (an environment's target namespace); the context's when undefined. */
  namespace?: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Raw JSON over the kubeconfig's transport (TLS, tokens, exec plugins via client-node), with
 * one keep-alive connection pool. Objects stay plain JSON: no typed model drops unknown fields.
 */
export class ClusterClient {
  private agent: https.Agent | undefined;
  /**
   * The kubeconfig's CA, certificate and key, parsed once: given as ca/cert/key, every new
   * connection (16 in the pool, one per watch) parses them again, ~10 ms of CPU each.
   */
  private secureContext: { key: string; context: tls.SecureContext } | undefined;

  private constructor(
    private readonly kc: KubeConfig,
    readonly context: string,
    readonly server: string,
    /** The context's default namespace, where documents without one are compared. */
    readonly namespace: string,
  ) {}

  static async connect(target: ClusterTarget = {}): Promise<Result<ClusterClient>> {
    // client-node is large; load it only when a cluster is actually used, and only its kubeconfig
    // module: its index would bring every generated API and model (14 MB of bundle to compile at start).
    const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
    const kc = new KubeConfig();
    const fromEnv = process.env['KUBECONFIG'];
    const defaultPath = join(homedir(), '.kube', 'config');
    if (target.kubeconfigPath === undefined && (fromEnv === undefined || fromEnv === '') && !existsSync(defaultPath)) {
      // client-node would otherwise fall back to http://localhost:8080, which is never what the user meant.
      return fail('config', NO_KUBECONFIG);
    }
    try {
      if (target.kubeconfigPath !== undefined) kc.loadFromFile(target.kubeconfigPath);
      else kc.loadFromDefault();
    } catch (error: unknown) {
      // client-node's own errors quote the file, tokens and keys included: say what is wrong in our words.
      const files = kubeconfigFiles(target.kubeconfigPath);
      for (const file of files) {
        const problem = checkKubeconfigFile(file);
        if (problem !== undefined) return fail('config', problem);
      }
      return fail('config', describeLoadError(files, error));
    }
    if (target.context !== undefined) {
      if (kc.getContextObject(target.context) === null) return fail('config', `no context "${target.context}" in kubeconfig`);
      kc.setCurrentContext(target.context);
    } else if (target.server !== undefined && target.server.includes('://')) {
      const wanted = target.server.replace(/\/+$/, '').toLowerCase();
      const match = kc.getContexts().find((c) => kc.getCluster(c.cluster)?.server.replace(/\/+$/, '').toLowerCase() === wanted);
      if (match === undefined) return fail('config', `no kubeconfig context's cluster has the API server ${target.server} (the environment's Argo CD destination): add one, or name the environment's context in .plumbline.yaml`);
      kc.setCurrentContext(match.name);
    } else if (target.server !== undefined) {
      // An Argo CD destination by cluster name: the context of that name, else the context whose cluster has it.
      const name = target.server;
      const match = kc.getContextObject(name) ?? kc.getContexts().find((c) => c.cluster === name);
      if (match === null || match === undefined) return fail('config', `no kubeconfig context or cluster is named ${name} (the environment's Argo CD destination): add one, or name the environment's context in .plumbline.yaml`);
      kc.setCurrentContext(match.name);
    }
    const cluster = kc.getCurrentCluster();
    if (cluster === null) return fail('config', 'the kubeconfig has no current context (set one or pass a context)');
    const namespace = target.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    return ok(new ClusterClient(kc, kc.getCurrentContext(), cluster.server.replace(/\/+$/, ''), namespace));
  }

  /** Sends one request; a non-2xx answer is an error value carrying the server's message. */
  async request<T = unknown>(path: string, options: RequestOptions = {}): Promise<Result<T>> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const opts: https.RequestOptions = { method: options.method ?? 'GET', headers: {} };
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (error: unknown) {
      return fail('unauthorized', `cannot get credentials for context "${this.context}": ${error instanceof Error ? error.message : String(error)}`);
    }
    this.agent ??= new https.Agent({ keepAlive: true, maxSockets: 16, secureContext: this.contextFor(opts), rejectUnauthorized: opts.rejectUnauthorized });
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
    if (opts.auth !== undefined && opts.auth !== null) headers['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve) => {
      const req = transport.request(
        url,
        { method: opts.method, headers, agent: url.protocol === 'http:' ? undefined : this.agent, timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(options.signal !== undefined ? { signal: options.signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => resolve(fail('unreachable', `${this.context}: ${e.message}`)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve(ok((text === '' ? undefined : JSON.parse(text)) as T));
              } catch {
                resolve(fail('server', `${this.context}: the server answered ${path} with something that is not JSON`, status));
              }
              return;
            }
            resolve(fail(kindOfStatus(status), `${this.context}: ${statusMessage(text) ?? `HTTP ${status}`}`, status));
          });
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve(fail('timeout', `${this.context}: no answer from ${this.server} within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') resolve(fail('timeout', `${this.context}: cancelled`));
        else resolve(fail('unreachable', `${this.context}: cannot reach ${this.server} (${e.code ?? e.message})`));
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * Streams a watch: calls `onEvent` for each event line until the server closes the stream,
   * the signal aborts, or an error happens. Resolves with why it ended.
   */
  async watch(path: string, query: Record<string, string | undefined>, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<Result<'closed'>> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries({ ...query, watch: '1', allowWatchBookmarks: 'true' })) if (v !== undefined) url.searchParams.set(k, v);
    const opts: https.RequestOptions = { headers: {} };
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (error: unknown) {
      return fail('unauthorized', `cannot get credentials: ${error instanceof Error ? error.message : String(error)}`);
    }
    const headers: Record<string, string> = { Accept: 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
    // Watches hold a connection for minutes: keep them out of the request pool.
    const agent = new https.Agent({ keepAlive: false, secureContext: this.contextFor(opts), rejectUnauthorized: opts.rejectUnauthorized });
    return new Promise((resolve) => {
      const req = https.request(url, { headers, agent, signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(fail(kindOfStatus(status), `${this.context}: ${statusMessage(Buffer.concat(chunks).toString()) ?? `HTTP ${status}`}`, status)));
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl = buffer.indexOf('\n');
          while (nl !== -1) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (line !== '') {
              try {
                onEvent(JSON.parse(line) as WatchEvent);
              } catch {
                // A torn line cannot happen on a healthy stream; ignore rather than kill the watch.
              }
            }
            nl = buffer.indexOf('\n');
          }
        });
        res.on('end', () => resolve(ok('closed')));
        res.on('error', () => resolve(ok('closed')));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') resolve(ok('closed'));
        else resolve(fail('unreachable', `${this.context}: cannot reach ${this.server} (${e.code ?? e.message})`));
      });
      req.end();
    });
  }

  /** The TLS context of these credentials, made again only when they change (an exec plugin's rotated certificate). */
  private contextFor(opts: https.RequestOptions): tls.SecureContext {
    const material = { ca: opts.ca, cert: opts.cert, key: opts.key };
    const key = [material.ca, material.cert, material.key].map(materialText).join('\u0000');
    if (this.secureContext?.key !== key) this.secureContext = { key, context: tls.createSecureContext(material) };
    return this.secureContext.context;
  }

  dispose(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}

/** TLS material as comparable text (client-node gives fresh Buffers on every call). */
function materialText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(materialText).join(',');
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

/** A Kubernetes object as raw JSON. */
function statusMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { kind?: string; message?: string };
    return body.kind === 'Status' && typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return text.trim() === '' ? undefined : text.trim().slice(0, 300);
  }
}
