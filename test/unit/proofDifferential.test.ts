// The proof walks the managedFields trie beside Git's and the live object (it runs for every
// object of every drift answer); its first version, kept in test/support/proofReference.ts,
// decoded every owned path and looked each up from the root. Both must give the same answer on
// the drift benchmark's objects and on thousands of seeded mutations of them: values, ownership,
// list keys, quantities, managers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../server/src/cluster/http';
import type { FieldPath } from '../../server/src/manifests/fieldPath';
import { provenNoOp } from '../../server/src/drift/proof';
import { generateCorpus } from '../bench/driftCorpus';
import { provenNoOpReference } from '../support/proofReference';
import { seededRandom, type Rng } from '../support/random';

type Json = unknown;
type Trie = { [key: string]: Trie };

const LIST_KEYS: Record<string, string[]> = { containers: ['name'], env: ['name'], volumes: ['name'], volumeMounts: ['mountPath'], ports: ['containerPort', 'protocol'] };

/** The fieldsV1 trie an apply of `value` would own: maps by field, keyed lists by item, the rest whole. */
function trieOf(value: Json, field = ''): Trie {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Trie = {};
    for (const [k, v] of Object.entries(value)) out[`f:${k}`] = trieOf(v, k);
    return out;
  }
  if (Array.isArray(value) && value.length > 0 && value.every((i) => i !== null && typeof i === 'object' && !Array.isArray(i))) {
    const keys = field === 'ports' && (value[0] as Record<string, unknown>)['port'] !== undefined ? ['port', 'protocol'] : (LIST_KEYS[field] ?? ['name']);
    const out: Trie = {};
    for (const item of value as Record<string, unknown>[]) {
      const selector = Object.fromEntries(keys.map((k) => [k, item[k] ?? (k === 'protocol' ? 'TCP' : null)]));
      out[`k:${JSON.stringify(selector)}`] = { '.': {}, ...trieOf(item) };
    }
    return out;
  }
  return {};
}

/** What the server adds: a port's default protocol, a fieldRef's apiVersion, status. */
function served(value: Json, field = ''): Json {
  if (Array.isArray(value)) return value.map((v) => served(v, field));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) out[k] = served(v, k);
  if ((field === 'ports' || 'containerPort' in out) && ('port' in out || 'containerPort' in out) && out['protocol'] === undefined) out['protocol'] = 'TCP';
  if (field === 'fieldRef' && out['apiVersion'] === undefined) out['apiVersion'] = 'v1';
  return out;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/** Every path to a value inside `value` (maps by key, lists by index). */
function paths(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object') {
    const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [k, v] of entries) {
      out.push([...at, k]);
      paths(v, [...at, k], out);
    }
  }
  return out;
}

function parentOf(root: Json, path: readonly (string | number)[]): Record<string | number, Json> | undefined {
  let current = root;
  for (const step of path.slice(0, -1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, Json>)[step];
  }
  return current !== null && typeof current === 'object' ? (current as Record<string | number, Json>) : undefined;
}

/** One random change to Git, the live object or the manager's fields. */
function mutate(rng: Rng, git: Record<string, Json>, live: KubeObject, trie: Trie): void {
  const target = pick(rng, ['git', 'live', 'trie', 'trie', 'quantity'] as const);
  if (target === 'quantity') {
    const spellings: Record<string, string> = { '64Mi': '67108864', '128Mi': '134217728', '1Gi': '1073741824', '500m': '0.5', '1': '1000m', '2': '2000m', '256Mi': '0.25Gi' };
    for (const path of paths(git)) {
      const parent = parentOf(git, path);
      const key = path[path.length - 1] as string | number;
      const value = parent?.[key];
      if (parent !== undefined && typeof value === 'string' && spellings[value] !== undefined && rng() < 0.5) parent[key] = spellings[value];
    }
    return;
  }
  if (target === 'trie') {
    const nodes: Trie[] = [];
    const walk = (t: Trie): void => {
      nodes.push(t);
      for (const [k, v] of Object.entries(t)) if (k !== '.') walk(v);
    };
    walk(trie);
    const node = pick(rng, nodes);
    const keys = Object.keys(node).filter((k) => k !== '.');
    const action = pick(rng, ['drop', 'add', 'bad', 'set', 'index'] as const);
    if (action === 'drop' && keys.length > 0) delete node[pick(rng, keys)];
    else if (action === 'add') node[`f:${pick(rng, ['extra', 'replicas', 'labels', 'name', 'protocol'])}`] = {};
    else if (action === 'bad') node['k:{not json'] = {};
    else if (action === 'set') node[`v:${JSON.stringify(pick(rng, ['a', 'b', 1]))}`] = {};
    else node['i:0'] = {};
    return;
  }
  const root = target === 'git' ? git : (live as Record<string, Json>);
  const all = paths(root).filter((p) => p[0] !== 'metadata' || (p.length > 1 && p[1] !== 'managedFields' && p[1] !== 'name'));
  if (all.length === 0) return;
  const path = pick(rng, all);
  const parent = parentOf(root, path);
  if (parent === undefined) return;
  const key = path[path.length - 1] as string | number;
  const action = pick(rng, ['change', 'delete', 'add', 'null', 'empty'] as const);
  if (action === 'change') parent[key] = typeof parent[key] === 'number' ? (parent[key]) + 1 : 'changed';
  else if (action === 'delete' && !Array.isArray(parent)) delete parent[key];
  else if (action === 'add' && !Array.isArray(parent)) parent['added'] = pick(rng, ['x', 1, true, {}, []]);
  else if (action === 'null') parent[key] = null;
  else if (action === 'empty') parent[key] = Array.isArray(parent[key]) ? [] : {};
}

describe('proof: the one-walk proof gives the first version’s answer', () => {
  test('on the drift benchmark’s objects and 6,000 seeded mutations of them', () => {
    const corpus = generateCorpus(300);
    const rng = seededRandom(14);
    const answers = { true: 0, false: 0 };
    const schemaKeys = (path: FieldPath): string[] | undefined => {
      const last = path[path.length - 1];
      return typeof last === 'string' ? LIST_KEYS[last] : undefined;
    };
    for (let round = 0; round < 6300; round++) {
      const resource = corpus[round % corpus.length]!;
      const git = structuredClone(resource.object) as Record<string, Json>;
      const { apiVersion: _a, kind: _k, metadata, ...rest } = git;
      const { name: _n, namespace: _ns, ...meta } = metadata as Record<string, Json>;
      const trie = trieOf({ ...rest, metadata: meta });
      const live = served(structuredClone(git)) as KubeObject;
      live.metadata!.managedFields = [{ manager: 'kustomize-controller', operation: 'Apply', fieldsV1: trie }];
      // The first 300 as applied; then one to three changes each.
      if (round >= corpus.length) for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) mutate(rng, git, live, trie);
      if (round >= corpus.length && rng() < 0.05) live.metadata!.managedFields.push({ manager: pick(rng, ['kustomize-controller', 'kubectl-edit']), operation: pick(rng, ['Apply', 'Update']), fieldsV1: {} });
      const listKeys = rng() < 0.5 ? schemaKeys : (): undefined => undefined;
      const expected = provenNoOpReference(live, git, 'kustomize-controller', listKeys);
      const got = provenNoOp(live, git, 'kustomize-controller', listKeys);
      assert.equal(got, expected, `round ${round} (${resource.kind}/${resource.name}): one walk says ${String(got)}, the first version ${String(expected)}\ngit: ${JSON.stringify(git)}\nfields: ${JSON.stringify(live.metadata?.managedFields)}`);
      answers[String(expected) as 'true' | 'false']++;
    }
    // Both answers must be well represented, or the test compares nothing.
    assert.ok(answers.true >= 600 && answers.false >= 1500, JSON.stringify(answers));
  });
});
