// Cluster tier: proves the test API server is a real Kubernetes control
// plane (defaulting, server-side apply, dry-run, watch, RBAC, /version).
//
//   node --import tsx --test test/cluster/cluster.test.ts

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';

import * as k8s from '@kubernetes/client-node';

import { pinnedKubernetesVersion, apiserverSourceDir } from './build';
import { rawRequest, startCluster, type Cluster } from './harness';

const NS = 'plumbline-cluster-test';

function pinnedVersion(): string {
  return pinnedKubernetesVersion(fs.readFileSync(`${apiserverSourceDir}/go.mod`, 'utf8'));
}

function deployment(replicas: number): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0' }] },
      },
    },
  };
}

/** Status code of a failed client-node call (ApiException.code). */
function errorCode(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

describe('test API server (kube-apiserver + etcd from Go modules)', { timeout: 15 * 60_000 }, () => {
  let cluster: Cluster;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  before(async () => {
    cluster = await startCluster();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('reports the pinned Kubernetes version on /version', async () => {
    const res = await rawRequest(cluster.kubeconfigPath, { path: '/version' });
    assert.equal(res.status, 200);
    const v = res.json as { gitVersion: string; major: string; minor: string };
    assert.equal(v.gitVersion, pinnedVersion());
    assert.equal(cluster.version, pinnedVersion());
    assert.equal(`v${v.major}.${v.minor}`, pinnedVersion().split('.').slice(0, 2).join('.'));
  });

  it('creates a namespace and a deployment, and applies server-side defaults', async () => {
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment(1) });

    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(d.spec?.revisionHistoryLimit, 10);
    assert.equal(d.spec?.progressDeadlineSeconds, 600);
    const container = d.spec?.template.spec?.containers[0];
    assert.equal(container?.terminationMessagePath, '/dev/termination-log');
    assert.equal(container?.imagePullPolicy, 'IfNotPresent');
    assert.ok(d.metadata?.uid, 'server assigned a uid');
    assert.ok(d.metadata?.managedFields?.length, 'server tracks managed fields');
  });

  it('server-side apply with dryRun=All returns the change but does not persist it', async () => {
    const applied = { ...deployment(3), metadata: { ...deployment(3).metadata, labels: { app: 'web', tier: 'edge' } } };
    const query = new URLSearchParams({ fieldManager: 'plumbline', force: 'true', dryRun: 'All' });
    const res = await rawRequest(cluster.kubeconfigPath, {
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${NS}/deployments/web?${query.toString()}`,
      // JSON is YAML, so it is a valid apply-patch+yaml body.
      body: JSON.stringify(applied),
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(res.status, 200, res.body);
    const dry = res.json as k8s.V1Deployment;
    assert.equal(dry.spec?.replicas, 3);
    assert.equal(dry.metadata?.labels?.tier, 'edge');
    assert.ok(
      dry.metadata?.managedFields?.some((f) => f.manager === 'plumbline' && f.operation === 'Apply'),
      'dry-run result lists plumbline as an Apply manager',
    );

    const live = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
    assert.equal(live.spec?.replicas, 1, 'dry run must not persist');
    assert.equal(live.metadata?.labels?.tier, undefined);
    assert.ok(!live.metadata?.managedFields?.some((f) => f.manager === 'plumbline'));
  });

  it('delivers watch events', async () => {
    const watch = new k8s.Watch(kc);
    let onAdded: (name: string) => void = () => {};
    const added = new Promise<string>((resolve) => {
      onAdded = resolve;
    });
    let watchError: unknown;
    const controller = await watch.watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      {},
      (phase: string, obj: k8s.V1ConfigMap) => {
        if (phase === 'ADDED' && obj.metadata?.name === 'watched') {
          onAdded(obj.metadata.name);
        }
      },
      (err: unknown) => {
        watchError = err;
      },
    );
    try {
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: 'watched' }, data: { k: 'v' } },
      });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no ADDED event within 10s (watch error: ${String(watchError)})`)), 10_000);
      });
      try {
        assert.equal(await Promise.race([added, deadline]), 'watched');
      } finally {
        clearTimeout(timer);
      }
    } finally {
      controller.abort();
    }
  });

  it('forbids the viewer identity from creating a namespace (RBAC)', async () => {
    const viewer = new k8s.KubeConfig();
    viewer.loadFromFile(cluster.kubeconfigPath);
    viewer.setCurrentContext(cluster.viewerContext);
    const viewerCore = viewer.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(
      viewerCore.createNamespace({ body: { metadata: { name: 'viewer-was-here' } } }),
      (err: unknown) => errorCode(err) === 403,
    );

    const raw = await rawRequest(cluster.kubeconfigPath, {
      context: cluster.viewerContext,
      method: 'POST',
      path: '/api/v1/namespaces',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'viewer-was-here' } }),
    });
    assert.equal(raw.status, 403);
    const status = raw.json as { reason?: string; message?: string };
    assert.equal(status.reason, 'Forbidden');
    assert.match(status.message ?? '', /User "viewer" cannot create resource "namespaces"/);

    // The admin sees that nothing was created.
    await assert.rejects(core.readNamespace({ name: 'viewer-was-here' }), (err: unknown) => errorCode(err) === 404);
  });
});
