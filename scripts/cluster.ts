// `npm run cluster`: runs the test API server (real kube-apiserver + etcd on
// 127.0.0.1) until Ctrl-C, for trying Plumbline against a live cluster by hand.
//
//   npm run cluster            # then, in another shell, the printed export line
//   npm run cluster -- --verbose   # also show the server's log

import { startCluster } from '../test/cluster/harness';

async function main(): Promise<void> {
  const verbose = process.argv.includes('--verbose');
  process.stderr.write('starting kube-apiserver + etcd on 127.0.0.1…\n');
  const cluster = await startCluster({ verbose });

  // The harness does not keep the event loop alive on its own; we do, until stopped.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the cluster…\n`);
    cluster
      .stop()
      .then(() => {
        process.stderr.write('stopped.\n');
      })
      .catch((err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exitCode = 1;
      })
      .finally(() => clearInterval(keepAlive));
  };
  // These replace the harness's own handlers (registered with `once`), which
  // would kill the server without waiting; ours wait for a clean stop.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  process.stdout.write(
    [
      `Kubernetes ${cluster.version} is ready at ${cluster.server} (${(cluster.readyMs / 1000).toFixed(1)}s).`,
      '',
      `export KUBECONFIG=${cluster.kubeconfigPath}`,
      '',
      `Contexts: ${cluster.adminContext} (admin, current), ${cluster.viewerContext} (user "viewer", no permissions).`,
      'No controllers, scheduler or nodes run: objects are stored and validated, not reconciled.',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
