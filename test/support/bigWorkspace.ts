import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BigWorkspace {
  root: string;
  environments: string[];
  resources: number;
  /** A small manifest to open, for requests sent while the tree is computed. */
  sample: string;
}

const KINDS = ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount'] as const;

function resource(kind: (typeof KINDS)[number], name: string, namespace: string): string {
  switch (kind) {
    case 'ConfigMap':
      return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  key: value-${name}\n`;
    case 'Deployment':
      return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/${name}:1.0\n`;
    case 'Service':
      return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  selector: {app: ${name}}\n  ports:\n    - port: 80\n`;
    case 'ServiceAccount':
      return `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`;
  }
}

/**
 * A workspace with `environments` environments of `perEnvironment` resources each, `perFile`
 * documents a file, declared in `.plumbline.yaml`. The first is a kustomize overlay (its objects
 * map back to their files through origin annotations); the others are plain folders.
 */
export function writeBigWorkspace(root: string, environments = 5, perEnvironment = 1000, perFile = 10): BigWorkspace {
  const names: string[] = [];
  const config = ['environments:'];
  for (let e = 0; e < environments; e++) {
    const name = `env-${e}`;
    names.push(name);
    const dir = join(root, 'deploy', name);
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (let f = 0; f * perFile < perEnvironment; f++) {
      const docs: string[] = [];
      for (let d = 0; d < perFile && f * perFile + d < perEnvironment; d++) {
        const i = f * perFile + d;
        docs.push(resource(KINDS[i % KINDS.length]!, `r-${i}`, `ns-${e}`));
      }
      const file = `file-${String(f).padStart(4, '0')}.yaml`;
      files.push(file);
      writeFileSync(join(dir, file), docs.join('---\n'));
    }
    if (e === 0) writeFileSync(join(dir, 'kustomization.yaml'), `resources:\n${files.map((f) => `  - ${f}`).join('\n')}\n`);
    config.push(`  - name: ${name}`, `    path: ./deploy/${name}`, `    namespace: ns-${e}`, '    delivery: direct');
  }
  writeFileSync(join(root, '.plumbline.yaml'), `${config.join('\n')}\n`);
  const sample = join(root, 'sample.yaml');
  writeFileSync(sample, resource('ConfigMap', 'sample', 'default'));
  return { root, environments: names, resources: environments * perEnvironment, sample };
}
