// `npm start`: Plumbline on examples/ in a real editor, with a bench cluster seeded with drift.
//
// Desktop VS Code (`code` on the PATH) gets --extensionDevelopmentPath; otherwise code-server
// serves VS Code for the web at a printed local URL. With Go available, a real kube-apiserver
// runs on 127.0.0.1 with the example app applied and then changed by hand, so drift shows.
// Ctrl-C stops everything.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../test/cluster/harness';
import { seedExampleDrift } from '../test/cluster/seed';
import { startCodeServer, type CodeServer } from '../test/e2e/codeServer';
import { remoteUri, workbenchUrl } from '../test/e2e/extensionHost';

const REPO = join(__dirname, '..');
const EXAMPLES = join(REPO, 'examples');

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function step(message: string): void {
  process.stderr.write(`▶ ${message}\n`);
}

async function main(): Promise<void> {
  step('building the extension');
  execFileSync(process.execPath, [join(REPO, 'esbuild.mjs')], { cwd: REPO, stdio: 'inherit' });

  let cluster: Cluster | undefined;
  if (has('go')) {
    step('starting the bench cluster (the first run builds kube-apiserver from Go modules: minutes)');
    cluster = await startCluster();
    seedExampleDrift(cluster.kubeconfigPath, EXAMPLES, { setEnvByHand: true });
    process.stderr.write(`  cluster ${cluster.server} (Kubernetes ${cluster.version}); in another shell:\n  export KUBECONFIG=${cluster.kubeconfigPath}\n`);
  } else {
    process.stderr.write('  Go is not installed: no bench cluster; drift needs a cluster (set plumbline.cluster.kubeconfig).\n');
  }
  // What the README promises: the bench cluster's drift in the tree, the editor and the Problems
  // panel, and Git on. code-server starts from the test defaults (codeServer.ts), which turn both off.
  const settings: Record<string, unknown> = {
    'plumbline.cluster.enabled': cluster !== undefined,
    ...(cluster === undefined ? {} : { 'plumbline.cluster.kubeconfig': cluster.kubeconfigPath, 'plumbline.cluster.context': cluster.adminContext }),
    // The bench cluster runs no controllers, so its Deployments never become healthy: a sync shows
    // the wait for health and its reason after half a minute rather than five.
    'plumbline.sync.healthTimeout': 30,
    'git.enabled': true,
    // examples/ is a folder of this checkout: show that repository, as a clone of it would.
    'git.openRepositoryInParentFolders': 'always',
  };

  let editor: CodeServer | undefined;
  if (has('code')) {
    step('opening desktop VS Code');
    // The settings go in the example workspace so they stay with this run only.
    const vscodeDir = join(EXAMPLES, '.vscode');
    execFileSync('mkdir', ['-p', vscodeDir]);
    writeFileSync(join(vscodeDir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
    // plumbline.cluster.kubeconfig is a user setting only (machine scope): the workspace's copy is
    // ignored, so desktop VS Code finds the bench cluster through KUBECONFIG.
    spawn('code', ['--extensionDevelopmentPath', REPO, EXAMPLES], { stdio: 'inherit', detached: true, env: { ...process.env, ...(cluster !== undefined ? { KUBECONFIG: cluster.kubeconfigPath } : {}) } }).unref();
  } else {
    step('installing code-server if needed');
    execFileSync('bash', [join(REPO, 'scripts', 'install-code-server.sh')], { stdio: 'inherit' });
    editor = await startCodeServer({ workspace: EXAMPLES, settings, ...(cluster !== undefined ? { env: { KUBECONFIG: cluster.kubeconfigPath } } : {}) });
    const url = workbenchUrl(editor, EXAMPLES, [['extensionDevelopmentPath', remoteUri(editor.authority, REPO)]]);
    process.stdout.write(`\nPlumbline is running in VS Code for the web. Open:\n\n  ${url}\n\nOpen apps/shop/overlays/dev/replicas.yaml and apps/shop/base/deployment.yaml to see drift, infrastructure/broken.yaml for a YAML error.\nCtrl-C stops the editor and the cluster.\n`);
  }

  const keepAlive = setInterval(() => undefined, 1 << 30);
  let stopping = false;
  const stop = (): void => {
    // Ctrl-C reaches this process twice: from the terminal (the whole process group) and again
    // relayed by tsx. A second signal must not cut the clean-up short (the default action would
    // exit at once and leave code-server's temp folders behind).
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping…\n');
    Promise.all([editor?.stop(), cluster?.stop()])
      .catch((e: unknown) => process.stderr.write(`while stopping: ${String(e)}\n`))
      .finally(() => {
        clearInterval(keepAlive);
        process.stderr.write('stopped: the editor and the cluster are down, their temporary folders removed.\n');
      });
  };
  // The helpers' own signal handlers (kill at once, exit) give way to the clean stop above. Only
  // the listeners process.listeners() shows. `npm start` runs this file with `node --import tsx`,
  // not the tsx command: that command is a parent that relays Ctrl-C and SIGKILLs its child 60 ms
  // later unless the child's hidden handler reports in, and on a busy machine the report came late —
  // this process died before stopping anything, and the editor and the cluster were left running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
    process.on(signal, stop);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
