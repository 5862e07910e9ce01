// Which JSON schema a YAML file that is not Kubernetes answers to (issue 15): a chart's values
// files its values.schema.json, found at the nearest Chart.yaml inside the repository; any file
// the schema its `yaml-language-server` modeline names, with the place of the name for findings.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { chartFolderOf, chartValuesSchema, isValuesFile, modelines } from '../../server/src/schemas/yamlFileSchemas';

/** A file system of these paths only. */
const only = (...paths: string[]): ((p: string) => boolean) => {
  const set = new Set(paths);
  return (p) => set.has(p);
};

describe('which schema a values file answers to', () => {
  test('values files as Helm users name them, and nothing else', () => {
    for (const name of ['values.yaml', 'values.yml', 'values-prod.yaml', 'values.prod.yaml', 'prod-values.yaml', 'ci/test-values.yaml', 'Values.YAML']) assert.equal(isValuesFile(`/c/${name}`), true, name);
    for (const name of ['deployment.yaml', 'myvalues.yaml', 'values.json', 'values.schema.json', 'Chart.yaml']) assert.equal(isValuesFile(`/c/${name}`), false, name);
  });

  test("the chart is the nearest folder with Chart.yaml, and a values file in its ci/ folder is the chart's", () => {
    const exists = only('/repo/.git', '/repo/charts/shop/Chart.yaml', '/repo/charts/shop/values.schema.json');
    assert.equal(chartFolderOf('/repo/charts/shop/values.yaml', exists), '/repo/charts/shop');
    assert.equal(chartValuesSchema('/repo/charts/shop/ci/prod-values.yaml', exists), join('/repo/charts/shop', 'values.schema.json'));
    // A chart without a schema: nothing to validate against.
    assert.equal(chartValuesSchema('/repo/charts/other/values.yaml', only('/repo/.git', '/repo/charts/other/Chart.yaml')), undefined);
  });

  test('the search stops at the repository: a chart above it does not judge its values files', () => {
    const exists = only('/work/Chart.yaml', '/work/values.schema.json', '/work/app/.git');
    assert.equal(chartFolderOf('/work/app/env/values.yaml', exists), undefined);
    assert.equal(chartValuesSchema('/work/app/env/values.yaml', exists), undefined);
  });
});

describe('modelines', () => {
  test('the schema reference and its place; a URL is remote', () => {
    const text = ['# yaml-language-server: $schema=../schemas/app.schema.json', 'name: a', '---', '#  yaml-language-server:  $schema=https://example.com/s.json', 'b: 1', ''].join('\n');
    assert.deepEqual(modelines(text), [
      { ref: '../schemas/app.schema.json', range: { start: { line: 0, character: 32 }, end: { line: 0, character: 58 } }, remote: false },
      { ref: 'https://example.com/s.json', range: { start: { line: 3, character: 34 }, end: { line: 3, character: 60 } }, remote: true },
    ]);
  });

  test('a comment that only mentions the server, or a key named like it, is no modeline', () => {
    assert.deepEqual(modelines('# see yaml-language-server docs\nyaml-language-server: $schema=x.json\n'), []);
  });
});
