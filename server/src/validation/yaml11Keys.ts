// kubectl reads manifests with sigs.k8s.io/yaml, which resolves plain scalars as YAML 1.1 does
// (go-yaml v2, resolve.go): y, Y, yes, Yes, YES, on, On, ON are true and n, N, no, No, NO, off,
// Off, OFF are false, and a boolean map key becomes the string "true" or "false" in the JSON the
// apiserver receives. Our parser reads YAML 1.2, where these are strings, so `on: push` in a
// ConfigMap's data would silently arrive as the key "true". Said here on the key, with the
// quoted key as the fix. (`true`/`false` and their capitalised forms are booleans in both.)

import { isMap, isScalar, isSeq, Scalar, type Node } from 'yaml';
import type { Problem } from '../manifests/problem';

import { yaml11BooleanWord } from '../manifests/kubectlRead';

export { YAML11_ONLY_BOOLEANS } from '../manifests/kubectlRead';

/** What the quick fix puts in the finding's place. */
export interface QuoteFix {
  replacement: string;
}

/** The boolean YAML 1.1 reads a plain scalar as, or undefined. */
export function yaml11Boolean(node: unknown): boolean | undefined {
  if (!isScalar(node) || typeof node.value !== 'string' || node.type !== Scalar.PLAIN) return undefined;
  return yaml11BooleanWord(node.value);
}

/** A warning on each plain key of `root` (a Kubernetes document) that kubectl turns into "true" or "false". */
export function yaml11KeyProblems(root: Node | null): Problem[] {
  const problems: Problem[] = [];
  // A plain walk (no visitor): it runs on every document checked, and almost always finds nothing.
  const walk = (node: unknown, depth: number): void => {
    if (depth > 256) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key;
        // Every such word has at most three letters: most keys are ruled out by their length.
        if (isScalar(key) && typeof key.value === 'string' && key.value.length <= 3) keyProblem(key, problems);
        walk(pair.value, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
    }
  };
  walk(root, 0);
  return problems;
}

function keyProblem(key: Scalar, problems: Problem[]): void {
  const read = yaml11Boolean(key);
  if (read === undefined || key.range === undefined || key.range === null) return;
  const text = String(key.value);
  problems.push({
    start: key.range[0],
    end: key.range[1],
    severity: 'warning',
    code: 'yaml.boolean-key',
    message: `kubectl reads the key \`${text}\` as "${String(read)}" (YAML 1.1, as sigs.k8s.io/yaml resolves it); quote it to keep "${text}": '${text}'`,
    data: { replacement: `'${text}'` } satisfies QuoteFix,
  });
}
