import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parsedDocumentHeads, scanDocumentHeads } from '../../server/src/manifests/documentHeads';

const repo = join(__dirname, '..', '..');

/** The scan either answers exactly what the parser reads or declines. */
function agrees(text: string, label: string): 'scanned' | 'declined' {
  const scanned = scanDocumentHeads(text);
  if (scanned === undefined) return 'declined';
  assert.deepEqual(scanned, parsedDocumentHeads(text), `${label}:\n${text}`);
  return 'scanned';
}

const deployment = (name: string): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels:\n    app: ${name}\nspec:\n  replicas: 1\n`;

describe('document heads read line by line', () => {
  test('plain manifests: each document’s first content line, kind and name', () => {
    const text = `# leading comment\n---\n${deployment('web')}---\n# about the service\napiVersion: v1\nkind: Service\nmetadata:\n  namespace: shop\n  name: "web-svc" # quoted\nspec:\n  ports:\n  - port: 80\n---\n`;
    assert.deepEqual(scanDocumentHeads(text), [
      { line: 2, kind: 'Deployment', name: 'web' },
      { line: 12, kind: 'Service', name: 'web-svc' },
    ]);
    assert.equal(agrees(text, 'plain'), 'scanned');
  });

  test('CRLF line ends, block scalars, nested metadata and a document without apiVersion', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '    annotations:',
      '      note: |',
      '        name: not-this-one',
      '    name: settings',
      'data:',
      '  config.yaml: |',
      '    kind: NotAKind',
      '---',
      'kind: Orphan',
      'metadata:',
      '  name: orphan',
      '',
    ].join('\r\n');
    assert.deepEqual(scanDocumentHeads(text), [{ line: 0, kind: 'ConfigMap', name: 'settings' }, { line: 11 }]);
    assert.equal(agrees(text, 'crlf'), 'scanned');
  });

  // Each of these changes what a key holds or where a document starts in ways a line scan
  // would get wrong: the scan must leave them to the parser.
  const declined: Record<string, string> = {
    'flow metadata': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    'anchored metadata': 'apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: a\n',
    'multi-line plain name': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n    b\n',
    'kind on the next line': 'apiVersion: v1\nkind:\n  ConfigMap\nmetadata:\n  name: a\n',
    'escaped name': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\\u0062"\n',
    'boolean-looking name': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: on\n',
    'numeric name': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0123\n',
    'empty document between markers': `${deployment('a')}---\n---\n${deployment('b')}`,
    'content after a marker': `--- ${deployment('a')}`,
    'directive': `%YAML 1.2\n---\n${deployment('a')}`,
    'document end marker': `${deployment('a')}...\n`,
    'quoted key': '"apiVersion": v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
    'merge key': 'base: &b {x: 1}\n<<: *b\napiVersion: v1\nkind: ConfigMap\n',
    'flow map left open': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b,\n  name: x}\n',
    'string left open': 'apiVersion: v1\nkind: ConfigMap\ndata: "first\nname: x"\n',
    'indented top level': '  apiVersion: v1\n  kind: ConfigMap\n',
    'top-level sequence': '- apiVersion: v1\n  kind: ConfigMap\n',
    'tab indentation': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n',
    'duplicate kind': 'apiVersion: v1\nkind: A\nkind: B\n',
    'duplicate name': 'apiVersion: v1\nkind: A\nmetadata:\n  name: a\n  name: b\n',
    'byte order mark': `\ufeff${deployment('a')}`,
    'Helm template name': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
    'comments only': '# nothing here\n',
  };
  for (const [label, text] of Object.entries(declined)) {
    test(`declined: ${label}`, () => assert.equal(scanDocumentHeads(text), undefined));
  }

  test('agrees with the parser on every manifest in this repository it does not decline', () => {
    const files = execFileSync('git', ['ls-files', '*.yaml', '*.yml'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
    const verdicts = files.map((f) => agrees(readFileSync(join(repo, f), 'utf8'), f));
    assert.ok(files.length > 50, `found ${files.length} files`);
    // Declining is always safe; the point is that it is rare for the layouts people write.
    assert.ok(verdicts.filter((v) => v === 'scanned').length > files.length / 2, `scanned ${verdicts.filter((v) => v === 'scanned').length} of ${files.length}`);
  });

  test('agrees with the parser on combinations of the constructs it has to step over', () => {
    const values = ['plain', '"quoted"', "'single'", '|\n    block line\n    name: inside', '>-\n    folded', '[a, b]', '{a: b}', '# only a comment', '', 'x # trailing'];
    const places = [(v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    l: ${v}\n  name: cm\ndata:\n  k: ${v}\n`, (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations: ${v}\n  name: cm\n`, (v: string) => `apiVersion: v1\nextra: ${v}\nkind: Secret\nmetadata:\n  name: s\n`];
    let scanned = 0;
    for (const place of places) {
      for (const a of values) {
        for (const b of values) {
          const text = `${place(a)}---\n${place(b)}`;
          if (agrees(text, `${a} / ${b}`) === 'scanned') scanned++;
        }
      }
    }
    assert.ok(scanned > 100, `scanned ${scanned}`);
  });
});
