import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Problem } from '../manifests/problem';
import { closestName } from './suggest';
import { PLUMBLINE_CONFIG_FILE } from '../files/names';

// `.plumbline.yaml`, key by key, as readEnvironmentConfig and readIgnoreRules read it. A key they
// do not know is silently ignored there, so here it is an error with the nearest known key.
const TOP_KEYS = ['environments', 'drift', 'repositoryURLs'];
const ENTRY_KEYS = ['name', 'path', 'paths', 'context', 'kubeconfig', 'namespace', 'protected', 'delivery', 'values', 'release'];
const DELIVERY_KEYS = ['kind', 'name', 'namespace', 'resource'];
const DRIFT_KEYS = ['ignore', 'manualManagers'];
const RULE_KEYS = ['kind', 'name', 'namespace', 'jsonPointers', 'managers'];

/** Every key `.plumbline.yaml` knows, by where it stands: for completion and for the checks below. */
export const PLUMBLINE_CONFIG_KEYS = { top: TOP_KEYS, environment: ENTRY_KEYS, delivery: DELIVERY_KEYS, drift: DRIFT_KEYS, ignoreRule: RULE_KEYS } as const;

class ConfigChecker {
  readonly problems: Problem[] = [];

  private at(node: Node | null | undefined, message: string, code = 'config.invalid'): void {
    const [start = 0, , end = start] = node?.range ?? [];
    this.problems.push({ start, end: Math.max(end, start + 1), severity: 'error', code, message });
  }

  /** The map's pairs with string keys; other keys are reported. Unknown keys get the nearest known one. */
  private pairs(map: YAMLMap, known: readonly string[], where: string): Map<string, Pair<Node, Node | null>> {
    const out = new Map<string, Pair<Node, Node | null>>();
    for (const pair of map.items as Pair<Node, Node | null>[]) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.at(key, `${where}: keys are names`);
        continue;
      }
      if (!known.includes(key.value)) {
        const near = closestName(key.value, [...known]);
        this.at(key, `unknown key \`${key.value}\` in ${where}${near !== undefined ? `; did you mean \`${near}\`?` : `; known keys: ${known.join(', ')}`}`, 'config.unknown-key');
        continue;
      }
      out.set(key.value, pair);
    }
    return out;
  }

  private string(pair: Pair<Node, Node | null> | undefined, where: string): void {
    if (pair === undefined) return;
    if (!isScalar(pair.value) || typeof pair.value.value !== 'string') this.at(pair.value ?? pair.key, `${where} must be a string`);
  }

  private strings(pair: Pair<Node, Node | null> | undefined, where: string, oneAllowed: boolean): void {
    if (pair === undefined) return;
    const v = pair.value;
    if (oneAllowed && isScalar(v) && typeof v.value === 'string') return;
    if (isSeq(v) && v.items.every((i) => isScalar(i) && typeof i.value === 'string')) return;
    this.at(v ?? pair.key, `${where} must be a list of strings${oneAllowed ? ' (or one string)' : ''}`);
  }

  check(doc: Document.Parsed): void {
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === null)) return;
    if (!isMap(root)) return this.at(root, '.plumbline.yaml must be a mapping with `environments`, `drift` and `repositoryURLs`');
    const top = this.pairs(root, TOP_KEYS, PLUMBLINE_CONFIG_FILE);
    this.strings(top.get('repositoryURLs'), '`repositoryURLs`', false);
    const environments = top.get('environments')?.value;
    if (environments !== undefined && environments !== null) {
      if (!isSeq(environments)) this.at(environments, '`environments` must be a list');
      else environments.items.forEach((item, i) => this.environment(item as Node | null, `environments[${i}]`));
    }
    const drift = top.get('drift')?.value;
    if (drift !== undefined && drift !== null) {
      if (!isMap(drift)) return this.at(drift, '`drift` must be a mapping (with `ignore`)');
      const driftPairs = this.pairs(drift, DRIFT_KEYS, 'drift');
      const managers = driftPairs.get('manualManagers')?.value;
      if (managers !== undefined && managers !== null) {
        if (!isSeq(managers)) this.at(managers, '`drift.manualManagers` must be a list of field manager names (a trailing * matches a prefix)');
        else managers.items.forEach((m, i) => {
          if (!isScalar(m) || typeof m.value !== 'string' || m.value === '') this.at(m as Node | null, `drift.manualManagers[${i}] must be a field manager name`);
        });
      }
      const ignore = driftPairs.get('ignore')?.value;
      if (ignore === undefined || ignore === null) return;
      if (!isSeq(ignore)) return this.at(ignore, '`drift.ignore` must be a list of rules');
      ignore.items.forEach((rule, i) => {
        if (isMap(rule)) this.pairs(rule, RULE_KEYS, `drift.ignore[${i}]`);
        else this.at(rule as Node | null, `drift.ignore[${i}] must be a mapping`);
      });
    }
  }

  private environment(item: Node | null, where: string): void {
    if (!isMap(item)) return this.at(item, `${where} must be a mapping with a name`);
    const keys = this.pairs(item, ENTRY_KEYS, where);
    const name = keys.get('name');
    if (name === undefined) this.at(item.items[0]?.key as Node | undefined, `${where} needs a \`name\``, 'config.required');
    else this.string(name, `${where}.name`);
    for (const key of ['context', 'kubeconfig', 'namespace', 'release', 'path']) this.string(keys.get(key), `${where}.${key}`);
    this.strings(keys.get('paths'), `${where}.paths`, false);
    this.strings(keys.get('values'), `${where}.values`, true);
    const protectedPair = keys.get('protected');
    // YAML 1.2 reads `yes` as a string, and readEnvironmentConfig would ignore it: say so.
    if (protectedPair !== undefined && !(isScalar(protectedPair.value) && typeof protectedPair.value.value === 'boolean')) this.at(protectedPair.value ?? protectedPair.key, `${where}.protected must be true or false`);
    const delivery = keys.get('delivery')?.value;
    if (delivery === undefined || delivery === null) return;
    if (isScalar(delivery) && delivery.value === 'direct') return;
    if (!isMap(delivery)) return this.at(delivery, `${where}.delivery must be "direct" or {kind: flux|argocd, name, namespace}`);
    const d = this.pairs(delivery, DELIVERY_KEYS, `${where}.delivery`);
    const kind = d.get('kind')?.value;
    if (!(isScalar(kind) && (kind.value === 'flux' || kind.value === 'argocd'))) this.at(kind ?? delivery, `${where}.delivery.kind must be flux or argocd`);
    if (d.get('name') === undefined) this.at(delivery, `${where}.delivery needs the name of the Flux or Argo CD object`, 'config.required');
    else this.string(d.get('name'), `${where}.delivery.name`);
  }
}

/** Problems of a `.plumbline.yaml` document: unknown keys (with the nearest known one), wrong types, missing names. */
export function plumblineConfigProblems(doc: Document.Parsed): Problem[] {
  const checker = new ConfigChecker();
  checker.check(doc);
  return checker.problems;
}
