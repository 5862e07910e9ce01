// Issue 10, item 5: a Secret inside a `kind: List` (or any `*List`, such as SecretList) is masked
// like any Secret, in what previews and diff documents show (stableYaml, maskObject) and in drift
// messages about the list's items (driftProblemsAt), with equal values still equal.
import { OWN_APPLY } from '../../server/src/drift/applyAs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../server/src/cluster/http';
import { diffObjects } from '../../server/src/drift/diff';
import type { DriftReport } from '../../server/src/drift/engine';
import { driftProblemsAt } from '../../server/src/drift/findings';
import { maskObject } from '../../server/src/drift/mask';
import { stableYaml } from '../../server/src/preview/stableYaml';

const LIVE = 'bGl2ZS1wYXNzd29yZC0xMjM=';
const GIT = 'Z2l0LXBhc3N3b3JkLTQ1Ng==';
const PLAIN = 'plain-stringdata-789';

const secret = (value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'default', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"password":"${value}"}}` } },
  data: { password: value },
  stringData: { other: PLAIN },
});
const list = (kind: string, value: string): KubeObject => ({ apiVersion: 'v1', kind, metadata: {}, items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { shown: 'yes' } }, secret(value)] });

const leaks = (text: string): string[] => [LIVE, GIT, PLAIN, 'live-password', 'git-password'].filter((s) => text.includes(s));

describe('Secrets inside lists are masked like any Secret', () => {
  for (const kind of ['List', 'SecretList']) {
    test(`${kind}: previews and diff documents mask the Secret item, keep the rest`, () => {
      const shown = stableYaml(list(kind, LIVE));
      assert.deepEqual(leaks(shown), [], shown);
      assert.match(shown, /password: ‹secret [0-9a-f]{8}›/);
      assert.match(shown, /shown: yes/, 'a ConfigMap item is not masked');
      assert.deepEqual(maskObject(list(kind, LIVE)), maskObject(list(kind, LIVE)), 'equal values stay equal');
      assert.notDeepEqual(maskObject(list(kind, LIVE)), maskObject(list(kind, GIT)), 'a change stays visible');
    });

    test(`${kind}: drift messages about its items never carry a Secret value`, () => {
      const live = list(kind, LIVE);
      const predicted = list(kind, GIT);
      const values = diffObjects(predicted, live, undefined).map((d) => ({ ...d, writer: undefined }));
      assert.ok(values.length > 0, 'the lists differ');
      // Also a difference at the list as a whole, as a diff with no merge keys reports it.
      values.push({ path: ['items'], desired: predicted['items'], live: live['items'], writer: undefined });
      const report: DriftReport = { state: 'drifted', live, predicted, values, handSet: [], clientSide: false, namespace: undefined, appliedAs: OWN_APPLY };
      const problems = driftProblemsAt(report, { group: '', version: 'v1', kind, apiVersion: 'v1', name: undefined, namespace: undefined }, 'warning', { field: () => undefined, anchor: { start: 0, end: 1 } });
      const text = JSON.stringify(problems);
      assert.deepEqual(leaks(text), [], text);
      assert.ok(problems.every((p) => p.liveValue === undefined), 'no live value of a list item to write back');
    });
  }
});
