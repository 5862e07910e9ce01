import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { declarations, duplicateFindings, repeatedDeclarations } from '../../server/src/check/duplicates';
import { ManifestParser } from '../../server/src/manifests/parse';

const cm = (name: string, ns?: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns === undefined ? '' : `  namespace: ${ns}\n`}`;

describe('duplicate resources', () => {
  test('in one file: reported on the second name, pointing at the first', () => {
    const file = new ManifestParser().parse(`${cm('a')}---\n${cm('b')}---\n${cm('a')}`);
    const findings = duplicateFindings(declarations('f.yaml', file)).get('f.yaml') ?? [];
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.message, 'duplicate resource ConfigMap/a: already declared at line 4');
    assert.deepEqual(findings[0]?.range.start, { line: 13, character: 8 });
  });

  test('across files, and namespaces keep objects apart', () => {
    const one = declarations('one.yaml', new ManifestParser().parse(cm('a', 'x')));
    const two = declarations('two.yaml', new ManifestParser().parse(`${cm('a', 'y')}---\n${cm('a', 'x')}`));
    const findings = duplicateFindings([...one, ...two]);
    assert.deepEqual([...findings.keys()], ['two.yaml']);
    assert.equal(findings.get('two.yaml')?.[0]?.message, 'duplicate resource ConfigMap/a in namespace x: already declared at one.yaml:4');
  });

  test('only the resources declared more than once can be duplicates: the others are left out, the rest keep their order and findings', () => {
    const one = declarations('one.yaml', new ManifestParser().parse(`${cm('a', 'x')}---\n${cm('b')}`));
    const two = declarations('two.yaml', new ManifestParser().parse(`${cm('c')}---\n${cm('a', 'x')}---\n${cm('b')}`));
    const all = [...one, ...two];
    const repeated = repeatedDeclarations(all);
    assert.deepEqual(
      repeated.map((d) => `${d.path} ${d.label}`),
      ['one.yaml ConfigMap/a in namespace x', 'one.yaml ConfigMap/b', 'two.yaml ConfigMap/a in namespace x', 'two.yaml ConfigMap/b'],
    );
    assert.deepEqual(duplicateFindings(repeated), duplicateFindings(all));
    assert.deepEqual(repeatedDeclarations(one), []);
  });
});
