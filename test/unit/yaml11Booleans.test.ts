// Issue 15: kubectl reads manifests as YAML 1.1 (sigs.k8s.io/yaml on go-yaml v2), where plain
// y/yes/on (true) and n/no/off (false), in the case variants go-yaml v2 lists, are booleans: a
// key becomes "true"/"false", a value where a string goes is refused by the apiserver. Files that
// kustomize reads (YAML 1.2) keep them as strings. Numbers both read as go-yaml does (0775, 0b11, 1_000).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFile, type CheckOptions } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { loadBundledSchemas } from '../../server/src/schemas/bundled';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { YAML11_ONLY_BOOLEANS } from '../../server/src/validation/yaml11Keys';

const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: new SchemaResolver([loadBundledSchemas()]), unknownKind: 'information' };

function findings(text: string, options: CheckOptions = OPTIONS): [string, string, string, number, number][] {
  return checkFile(new ManifestParser().parse(text), options).map((f) => [f.severity, f.code, f.message, f.range.start.line, f.range.start.character]);
}

describe('YAML 1.1 booleans as kubectl reads them', () => {
  test("go-yaml v2's set, and nothing else: true/false are booleans in YAML 1.2 too", () => {
    for (const word of ['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']) assert.ok(YAML11_ONLY_BOOLEANS.test(word), word);
    for (const word of ['true', 'True', 'false', 'yES', 'oN', 'nO', 'oFF', 'yeah', 'o', 'offline']) assert.ok(!YAML11_ONLY_BOOLEANS.test(word), word);
  });

  test('each plain boolean key of a ConfigMap is a warning at the key, with the quoted key as the fix', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\ndata:\n  on: push\n  "off": quoted\n  No: x\n';
    assert.deepEqual(findings(text), [
      ['warning', 'yaml.boolean-key', 'kubectl reads the key `on` as "true" (YAML 1.1, as sigs.k8s.io/yaml resolves it); quote it to keep "on": \'on\'', 5, 2],
      ['warning', 'yaml.boolean-key', 'kubectl reads the key `No` as "false" (YAML 1.1, as sigs.k8s.io/yaml resolves it); quote it to keep "No": \'No\'', 7, 2],
    ]);
    const [first] = checkFile(new ManifestParser().parse(text), OPTIONS);
    assert.deepEqual(first?.data, { replacement: "'on'" });
  });

  test('a plain yes where a string goes is the error the apiserver gives (a bool for a string field); quoted, it is fine', () => {
    const pod = (value: string): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx\n      env:\n        - name: A\n          value: ${value}\n`;
    assert.deepEqual(findings(pod('yes')), [['error', 'schema.type', 'Pod spec.containers[c].env[A].value must be a string, not a boolean: kubectl reads `yes` as true (YAML 1.1); quote it: "yes"', 10, 17]]);
    assert.deepEqual(findings(pod('"yes"')), []);
    assert.deepEqual(findings(pod('yesterday')), []);
  });

  test('a check (quick parse) finds the same keys, in block and flow mappings and in list items', () => {
    const quick = (text: string): [string, string, number, number][] => checkFile(new ManifestParser({ quick: true }).parse(text), OPTIONS).map((f) => [f.severity, f.code, f.range.start.line, f.range.start.character]);
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\n  annotations: {a: b, Off: c}\ndata:\n  on: push\n  "off": quoted\n  No: x\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: l\n    data:\n      y: z\n';
    const full = findings(text).map(([severity, code, , line, character]) => [severity, code, line, character]);
    assert.deepEqual(quick(text), full);
    assert.deepEqual(
      full.filter(([, code]) => code === 'yaml.boolean-key').map(([, , line, character]) => [line, character]),
      [
        [4, 22],
        [6, 2],
        [8, 2],
        [18, 6],
      ],
    );
    // Short keys that are no such word: nothing to say.
    assert.deepEqual(quick('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\ndata:\n  app: x\n  env: "y"\n  ON1: z\n'), []);
  });

  test('numbers as kubectl and kustomize read them: 1_000, 0b11 and 0775 are integers, and a plain 1_0 where a string goes is the apiserver\'s error', () => {
    const deployment = (spec: string, workingDir = '/srv'): string =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n${spec}  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers:\n        - name: c\n          image: nginx\n          workingDir: ${workingDir}\n`;
    for (const options of [OPTIONS, { ...OPTIONS, role: { kind: 'manifests', kustomized: true } } satisfies CheckOptions]) {
      assert.deepEqual(findings(deployment('  replicas: 1_000\n  minReadySeconds: 0b11\n  revisionHistoryLimit: 0775\n'), options), []);
      assert.deepEqual(findings(deployment('', '1_0'), options), [['error', 'schema.type', 'Deployment spec.template.spec.containers[c].workingDir must be a string, not a number: kubectl reads `1_0` as 10 (YAML 1.1); quote it: "1_0"', 12, 22]]);
      assert.deepEqual(findings(deployment('', '"1_0"'), options), []);
    }
  });

  test('a plain yes where a boolean goes: kubectl reads true, fine; kustomize keeps the string "yes", which the apiserver refuses', () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: yes\n  containers:\n    - name: c\n      image: nginx\n';
    assert.deepEqual(findings(pod), []);
    assert.deepEqual(findings(pod, { ...OPTIONS, role: { kind: 'manifests', kustomized: true } }), [
      ['error', 'schema.type', 'Pod spec.hostNetwork must be true or false: kustomize reads a plain `yes` as the string "yes" (YAML 1.2), which the apiserver refuses; write true', 5, 15],
    ]);
  });

  test('files kustomize reads (YAML 1.2) keep the words as strings: nothing to say', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\ndata:\n  on: push\n  flag: yes\n';
    assert.deepEqual(findings(text, { ...OPTIONS, role: { kind: 'manifests', kustomized: true } }), []);
  });
});
