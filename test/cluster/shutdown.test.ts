// Cluster tier (issue 12): the language server's watches end when the client shuts it down, not
// only when its process dies. The apiserver's own gauge of long-running WATCH requests is the
// witness: it rises while an open document is compared, and falls back after `shutdown`.
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/shutdown.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LspHarness } from '../support/lspClient';
import { until } from '../support/poll';
import { rawRequest, startCluster, type Cluster } from './harness';

let cluster: Cluster;
let work: string;

/** Open WATCH requests the apiserver is serving now, from its metrics. */
async function openWatches(): Promise<number> {
  const metrics = await rawRequest(cluster.kubeconfigPath, { path: '/metrics' });
  assert.equal(metrics.status, 200, `GET /metrics: ${metrics.status} ${metrics.body.slice(0, 200)}`);
  let total = 0;
  let seen = false;
  for (const line of metrics.body.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{') || !line.includes('verb="WATCH"')) continue;
    seen = true;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  // The gauge is listed once any long-running request was seen; before that, none are open.
  return seen ? total : 0;
}

describe('shutdown closes the watches', { timeout: 3 * 60_000 }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-shutdown-'));
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('watches open while a document is compared; after shutdown the apiserver sees them end', async () => {
    const baseline = await openWatches();
    const lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath } }, { initializationOptions: { cacheDir: join(work, 'lsp-cache') } });
    let stopped = false;
    try {
      const uri = pathToFileURL(join(work, 'cm.yaml')).href;
      await lsp.open(uri, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: default\ndata:\n  a: "1"\n');
      await lsp.waitForDiagnostics(uri, (d) => d.some((x) => String(x.code) === 'drift.not-in-cluster'), 30_000);
      const during = await until(async () => {
        const n = await openWatches();
        return n > baseline ? n : undefined;
      }, 30_000).catch((e: unknown) => assert.fail(`no watch opened while comparing (baseline ${baseline}): ${String(e)}`));
      await lsp.connection.sendRequest('shutdown');
      await lsp.waitForNotification('window/logMessage', (p) => String((p as { message?: string }).message).startsWith('shutdown: closing'), 10_000);
      stopped = true;
      // Still running (no `exit` yet): the watches must end because of shutdown itself.
      assert.equal(lsp.exitReason, undefined, 'the server exited on shutdown; it should wait for exit');
      let last = during;
      const afterShutdown = await until(async () => {
        last = await openWatches();
        return last <= baseline ? last : undefined;
      }, 30_000).catch((e: unknown) => assert.fail(`watches still open after shutdown: ${last} (baseline ${baseline}, ${during} while comparing): ${String(e)}`));
      assert.ok(during > afterShutdown, `open watches: ${baseline} before, ${during} while comparing, ${afterShutdown} after shutdown`);
    } finally {
      if (stopped) await lsp.exit().catch(() => undefined);
      await lsp.stop();
    }
  });
});
