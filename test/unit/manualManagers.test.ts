// `drift.manualManagers` in .plumbline.yaml: read as the engine reads it, checked as the editor
// checks it, and accepted by the schema Red Hat YAML uses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDocument } from 'yaml';
import { readManualManagers } from '../../server/src/drift/ignore';
import { plumblineConfigProblems } from '../../server/src/validation/plumblineConfig';

const problems = (text: string): string[] => plumblineConfigProblems(parseDocument(text)).map((p) => p.message);

describe('.plumbline.yaml drift.manualManagers', () => {
  test('a list of names is read, beside ignore rules; anything else reads as none', () => {
    assert.deepEqual(readManualManagers('drift:\n  manualManagers: [ops-console, "rancher*"]\n  ignore: []\n'), ['ops-console', 'rancher*']);
    assert.deepEqual(readManualManagers('drift:\n  manualManagers: ops-console\n'), []);
    assert.deepEqual(readManualManagers('drift:\n  manualManagers: [ops-console, 3, ""]\n'), ['ops-console']);
    assert.deepEqual(readManualManagers('environments: []\n'), []);
    assert.deepEqual(readManualManagers('drift: [unclosed\n'), []);
  });

  test('the checker accepts the list and names what is wrong in a bad one', () => {
    assert.deepEqual(problems('drift:\n  manualManagers: [ops-console]\n'), []);
    assert.deepEqual(problems('drift:\n  manualManagers: ops-console\n'), ['`drift.manualManagers` must be a list of field manager names (a trailing * matches a prefix)']);
    assert.deepEqual(problems('drift:\n  manualManagers: [ops-console, 3]\n'), ['drift.manualManagers[1] must be a field manager name']);
    assert.match(problems('drift:\n  manualManager: [ops-console]\n')[0] ?? '', /did you mean `manualManagers`/);
  });
});
