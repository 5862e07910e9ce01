// The house in data-flow order (../shared/DESIGN.md, issue 12): each stage of server/src imports
// only stages below it, and nothing imports the adapters. The upward imports the engine still has
// are listed below by name, as debt to pay off: a new one fails here, and so does a listed one
// that is gone (so the list only shrinks).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import { REPO } from '../support/paths';

const SRC = join(REPO, 'server', 'src');

/** Stages from the floor up; a stage may import its own and lower ones. Equal ranks may not import each other. */
const RANK: Record<string, number> = {
  'version.ts': 0,
  'result.ts': 0,
  manifests: 1,
  files: 2,
  schemas: 3,
  validation: 4,
  check: 5,
  kustomize: 6,
  environments: 7,
  cluster: 8,
  // What a live object says about its own health (kstatus, Argo CD's words): drift's lenses and the status read it.
  health: 8.5,
  drift: 9,
  // tofu-controller's stored plans and its objects' sources, read from the cluster.
  terraform: 9.5,
  git: 10,
  // Converge, sync, reconcile and the environments' status: what delivers Git to a cluster.
  delivery: 10.5,
  preview: 11,
  assist: 11,
  workspace: 12,
  'protocol.ts': 13,
  lsp: 14,
  cli: 14,
};

/** Upward imports of today, stage → stage, each to be removed by moving code to the floor it belongs to. */
const DEBT = new Set([
  'schemas → cluster', // live schemas: the cluster layer of the schema resolver
  'schemas → validation', // the resolver builds validation's schema views
  'check → kustomize', // the patch index decides a file's role
  'preview → protocol.ts', // preview results are typed in the protocol file; they belong to preview
]);

function stageOf(file: string): string {
  const rel = relative(SRC, file);
  const [first = ''] = rel.split(sep);
  return first;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** Every relative import of the engine, as stage → stage edges with one example each. */
function edges(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?from '(\.{1,2}\/[^']+)'/gm)) {
      const target = resolve(dirname(file), m[1] ?? '');
      // package.json and the like: not a stage.
      if (relative(SRC, target).startsWith('..')) continue;
      const from = stageOf(file);
      const to = stageOf(target.endsWith('.ts') ? target : `${target}.ts`);
      if (from === to) continue;
      const key = `${from} → ${to}`;
      if (!out.has(key)) out.set(key, `${relative(SRC, file)} imports ${m[1] ?? ''}`);
    }
  }
  return out;
}

describe('layering of server/src', () => {
  const found = edges();

  test('every stage has a rank', () => {
    const stages = new Set(sources(SRC).map(stageOf));
    assert.deepEqual([...stages].filter((s) => RANK[s] === undefined), [], 'a new folder or top-level file of server/src needs its place in RANK');
  });

  test('no stage imports a stage above it, but for the listed debt', () => {
    const upward = [...found].filter(([edge]) => {
      const [from = '', to = ''] = edge.split(' → ');
      return (RANK[to] ?? 0) >= (RANK[from] ?? 0) && !DEBT.has(edge);
    });
    assert.deepEqual(upward.map(([edge, example]) => `${edge} (${example})`), [], 'import only from the stages below; move shared code down to the floor it belongs to');
  });

  test('the debt list only shrinks: each entry is still an import', () => {
    assert.deepEqual([...DEBT].filter((edge) => !found.has(edge)), [], 'that upward import is gone: take it off DEBT');
  });

  test('nothing imports the adapters (lsp, cli) but the adapters themselves', () => {
    const intoAdapters = [...found].filter(([edge]) => /→ (lsp|cli)$/.test(edge) && !/^(lsp|cli) →/.test(edge));
    assert.deepEqual(intoAdapters.map(([edge, example]) => `${edge} (${example})`), []);
  });
});
