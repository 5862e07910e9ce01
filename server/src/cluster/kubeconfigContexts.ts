import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fail, ok, type Result } from './result';

/** Said by the editor and the CLI alike, so it names the way to give a kubeconfig in each. */
export const NO_KUBECONFIG = 'no kubeconfig found (KUBECONFIG is unset and ~/.kube/config does not exist): set KUBECONFIG, or name the file with --kubeconfig (CLI) or the setting plumbline.cluster.kubeconfig (editor)';

export interface KubeconfigContext {
  name: string;
  cluster: string;
  server: string | undefined;
  namespace: string | undefined;
}

export interface KubeconfigContexts {
  /** The file read, or the $KUBECONFIG list. */
  source: string;
  current: string | undefined;
  contexts: KubeconfigContext[];
}

/** The contexts a kubeconfig offers, read as ClusterClient reads it (the path given, else $KUBECONFIG, else ~/.kube/config). */
export async function kubeconfigContexts(kubeconfigPath: string | undefined): Promise<Result<KubeconfigContexts>> {
  const fromEnv = process.env['KUBECONFIG'];
  const defaultPath = join(homedir(), '.kube', 'config');
  const source = kubeconfigPath ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : defaultPath);
  if (kubeconfigPath === undefined && (fromEnv === undefined || fromEnv === '') && !existsSync(defaultPath)) {
    return fail('config', NO_KUBECONFIG);
  }
  if (kubeconfigPath !== undefined && !existsSync(kubeconfigPath)) return fail('config', `the kubeconfig ${kubeconfigPath} does not exist: fix the setting plumbline.cluster.kubeconfig`);
  if (kubeconfigPath === undefined && fromEnv !== undefined && fromEnv !== '') {
    const files = fromEnv.split(delimiter).filter((f) => f !== '');
    if (!files.some((f) => existsSync(f))) return fail('config', `KUBECONFIG names ${files.join(', ')}, which does not exist: fix KUBECONFIG or set plumbline.cluster.kubeconfig`);
  }
  // client-node is large; load it only when someone asks, and only its kubeconfig module (see ClusterClient.connect).
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath !== undefined) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromDefault();
  } catch (error: unknown) {
    return fail('config', `cannot read the kubeconfig ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const current = kc.getCurrentContext();
  return ok({
    source,
    current: current === '' ? undefined : current,
    contexts: kc.getContexts().map((c) => ({ name: c.name, cluster: c.cluster, server: kc.getCluster(c.cluster)?.server, namespace: c.namespace })),
  });
}
