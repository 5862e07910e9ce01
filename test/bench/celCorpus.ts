// The CEL variant of the validation benchmark's corpus: one CustomResourceDefinition whose spec
// carries three CEL rules (x-kubernetes-validations) and 2,000 custom resources of it, a quarter
// of which break exactly one rule (each rule in turn). Deterministic; written as one file of
// resources and as one file per resource, with the CRD in a folder of its own (kubectl-validate
// reads CRDs from a folder; Plumbline reads them from the checked paths).
//
// The rules use what both anchors' CEL environments have (kubectl-validate v0.0.4 is built on
// Kubernetes 1.30): a comparison, the Kubernetes quantity library with a messageExpression, and
// a list macro. Every string and list is bounded (maxLength, maxItems), as the apiserver's cost
// estimate at CRD creation requires for rules that loop over them.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { seededRandom } from '../support/random';

export const CEL_GROUP = 'scaling.bench.plumbline.dev';
export const CEL_KIND = 'ScalingPolicy';

/** One generated custom resource; `broken` names the rule it breaks, if any. */
export interface CelDocument {
  index: number;
  name: string;
  namespace: string;
  /** 1-based line of the document's first line in the single file. */
  line: number;
  /** Path of its own file, relative to the many-files folder. */
  file: string;
  broken: 'replicas' | 'memory' | 'windows' | undefined;
}

export interface CelCorpus {
  documents: CelDocument[];
  crdDir: string;
  crdFile: string;
  singleFile: string;
  manyDir: string;
  bytes: number;
  invalid: number;
}

const TIME = { type: 'string', maxLength: 5, pattern: '^[0-2][0-9]:[0-5][0-9]$' };

function crd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `scalingpolicies.${CEL_GROUP}` },
    spec: {
      group: CEL_GROUP,
      scope: 'Namespaced',
      names: { kind: CEL_KIND, listKind: `${CEL_KIND}List`, plural: 'scalingpolicies', singular: 'scalingpolicy' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['target', 'minReplicas', 'maxReplicas', 'memory'],
                  properties: {
                    target: {
                      type: 'object',
                      required: ['kind', 'name'],
                      properties: { kind: { type: 'string', enum: ['Deployment', 'StatefulSet'] }, name: { type: 'string', maxLength: 63 } },
                    },
                    minReplicas: { type: 'integer', minimum: 0, maximum: 1000 },
                    maxReplicas: { type: 'integer', minimum: 1, maximum: 1000 },
                    memory: { type: 'string', maxLength: 16, pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi)$' },
                    windows: {
                      type: 'array',
                      maxItems: 8,
                      items: { type: 'object', required: ['start', 'end'], properties: { start: TIME, end: TIME, replicas: { type: 'integer', minimum: 0, maximum: 1000 } } },
                    },
                    paused: { type: 'boolean' },
                  },
                  'x-kubernetes-validations': [
                    { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not be greater than maxReplicas', fieldPath: '.minReplicas' },
                    {
                      rule: "quantity(self.memory).compareTo(quantity('64Mi')) >= 0",
                      messageExpression: "'memory ' + self.memory + ' is below the 64Mi floor'",
                      fieldPath: '.memory',
                    },
                    { rule: '!has(self.windows) || self.windows.all(w, w.start < w.end)', message: 'every window must start before it ends', fieldPath: '.windows' },
                  ],
                },
              },
            },
          },
        },
      ],
    },
  };
}


const MEMORY = ['64Mi', '96Mi', '128Mi', '256Mi', '512Mi', '1Gi', '1.5Gi', '2Gi'] as const;
const TOO_LITTLE = ['16Mi', '32Mi', '48Mi', '63Mi', '0.05Gi', '512Ki'] as const;
const APPS = ['api', 'billing', 'cart', 'search', 'feed', 'ledger', 'mailer', 'orders', 'pricing', 'worker'] as const;
const RULES = ['replicas', 'memory', 'windows'] as const;

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Writes the CRD, the single file and the many files below `dir` (replacing what was there). */
export function writeCelCorpus(dir: string, count = 2000, seed = 0x5eedce10): CelCorpus {
  const next = seededRandom(seed);
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  rmSync(dir, { recursive: true, force: true });
  const crdDir = join(dir, 'crd');
  const manyDir = join(dir, 'many');
  mkdirSync(crdDir, { recursive: true });
  mkdirSync(join(dir, 'single'), { recursive: true });
  const crdFile = join(crdDir, 'scalingpolicies.yaml');
  writeFileSync(crdFile, stringify(crd(), { lineWidth: 0 }));

  const documents: CelDocument[] = [];
  const texts: string[] = [];
  let line = 1;
  for (let index = 0; index < count; index++) {
    // Every fourth resource breaks one rule, the three in turn.
    const broken = index % 4 === 3 ? RULES[Math.floor(index / 4) % RULES.length] : undefined;
    const app = `${pick(APPS)}-${index}`;
    const namespace = `team-${index % 7}`;
    const minReplicas = int(2, 6);
    // Below minReplicas yet within the schema's own bounds: only the rule can say no.
    const maxReplicas = broken === 'replicas' ? int(1, minReplicas - 1) : minReplicas + int(0, 20);
    const windows: Record<string, unknown>[] = [];
    for (let w = 0, n = broken === 'windows' ? int(1, 4) : int(0, 4); w < n; w++) {
      const start = int(0, 22 * 60);
      windows.push({ start: hhmm(start), end: hhmm(start + int(15, 60)), replicas: int(minReplicas, minReplicas + 5) });
    }
    if (broken === 'windows') {
      const w = windows[int(0, windows.length - 1)];
      if (w !== undefined) [w['start'], w['end']] = [w['end'], w['start']];
    }
    const spec: Record<string, unknown> = {
      target: { kind: index % 5 === 0 ? 'StatefulSet' : 'Deployment', name: app },
      minReplicas,
      maxReplicas,
      memory: broken === 'memory' ? pick(TOO_LITTLE) : pick(MEMORY),
    };
    if (windows.length > 0) spec['windows'] = windows;
    if (next() < 0.2) spec['paused'] = next() < 0.5;
    const object = { apiVersion: `${CEL_GROUP}/v1`, kind: CEL_KIND, metadata: { name: app, namespace, labels: { 'app.kubernetes.io/name': app } }, spec };
    const text = `---\n${stringify(object, { version: '1.1', lineWidth: 0 })}`;
    const file = join(namespace, `${app}.yaml`);
    documents.push({ index, name: app, namespace, line, file, broken });
    texts.push(text);
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) line++;
  }
  const single = texts.join('');
  const singleFile = join(dir, 'single', 'policies.yaml');
  writeFileSync(singleFile, single);
  for (const ns of new Set(documents.map((d) => d.namespace))) mkdirSync(join(manyDir, ns), { recursive: true });
  documents.forEach((d, i) => writeFileSync(join(manyDir, d.file), texts[i] ?? ''));
  return { documents, crdDir, crdFile, singleFile, manyDir, bytes: Buffer.byteLength(single, 'utf8'), invalid: documents.filter((d) => d.broken !== undefined).length };
}
