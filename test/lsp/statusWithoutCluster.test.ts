// `plumbline status` before any cluster is set up, as a new user first runs it on a Flux
// repository: the missing kubeconfig is said once (not once per unit, which on a repository of
// 150 Flux Kustomizations was 150 copies of one long line), and units that come from another
// repository are counted instead of silently left out.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../support/cli';

const root = mkdtempSync(join(tmpdir(), 'plumbline-status-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

const units = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/web
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: vendor
  namespace: flux-system
spec:
  interval: 10m
  path: ./deploy
  prune: true
  sourceRef:
    kind: GitRepository
    name: vendor
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: vendor
  namespace: flux-system
spec:
  interval: 10m
  url: https://github.com/example/vendor
  ref:
    branch: main
`;

test('without a kubeconfig, status says so once and counts the units it cannot check', async () => {
  write('apps/web/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: default\ndata:\n  greeting: hello\n');
  write('clusters/staging/apps.yaml', units);
  write('clusters/production/apps.yaml', units);
  execFileSync('git', ['init', '-q', root]);
  execFileSync('git', ['-C', root, 'remote', 'add', 'origin', 'https://github.com/example/infra']);
  const home = join(root, 'home');
  mkdirSync(home);
  const run = await runCli(['status', root], { env: { KUBECONFIG: '', HOME: home } });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(
    run.stdout,
    [
      'cluster unreachable for 2 environments: no kubeconfig found (KUBECONFIG is unset and ~/.kube/config does not exist): set KUBECONFIG, or name the file with --kubeconfig (CLI) or the setting plumbline.cluster.kubeconfig (editor)',
      'staging (apps): cluster unreachable (above)',
      '  ConfigMap/web in default: unknown',
      'production (apps): cluster unreachable (above)',
      '  ConfigMap/web in default: unknown',
      '2 units are not rendered from this workspace and not checked (plumbline envs says why)',
      '',
    ].join('\n'),
  );
});
