// `plumbline check`'s text output folds a statement that repeats per file into one note for the
// run: home-ops puts a schema URL modeline at the top of 407 files, which were 461 information
// lines around its one error. JSON and SARIF keep every finding.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatText } from '../../server/src/cli/checkCommand';
import type { FileReport } from '../../server/src/check/checkPaths';

const remote = (line: number) => ({
  range: { start: { line, character: 32 }, end: { line, character: 60 } },
  severity: 'information' as const,
  code: 'schema.remote',
  message: 'schema https://example.com/s.json is not fetched: …',
});
const report = (path: string, findings: FileReport['findings']): FileReport => ({ path, documents: 1, resources: 1, skipped: undefined, findings });

describe('plumbline check text output: remote schema modelines', () => {
  test('many files: one note with the count and the first file; other findings keep their lines', () => {
    const error = { range: { start: { line: 3, character: 6 }, end: { line: 3, character: 9 } }, severity: 'error' as const, code: 'schema.enum', message: 'bad' };
    const out = formatText([report('/r/a.yaml', [remote(0), remote(9)]), report('/r/b.yaml', [remote(0), error]), report('/r/c.yaml', [remote(0)])]);
    assert.equal(
      out,
      [
        '/r/b.yaml:4:7 error bad [schema.enum]',
        'note: 3 files (/r/a.yaml, …) name a schema by URL in a yaml-language-server modeline, which Plumbline does not fetch (it reads no network); their Kubernetes objects are still validated by kind, and -o json lists each modeline',
        'Summary: 3 resources found in 3 files - errors: 1, warnings: 0, skipped files: 0',
        '',
      ].join('\n'),
    );
  });

  test('one file: the note names it', () => {
    assert.match(formatText([report('/r/mkdocs.yml', [remote(0)])]), /^note: \/r\/mkdocs\.yml names a schema by URL .*; its Kubernetes objects are still validated by kind/);
  });
});
