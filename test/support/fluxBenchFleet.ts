import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A single-cluster Flux repository for the tree benchmark: `units` Kustomizations delivering `resources` objects. */
export interface FluxBenchFleet {
  root: string;
  units: string[];
  resources: number;
  /** A file of the first unit, to edit between requests. */
  editable: string;
}

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/**
 * The shape of a large home-lab or platform repository: `clusters/main/` holds one Flux
 * Kustomization per app (dependsOn chains of ten, a JSON patch each, postBuild variables), each
 * app a kustomization of files of ten documents (ConfigMaps using `${TIER}`, Deployments).
 */
export function writeFluxBenchFleet(root: string, units = 80, resources = 5000): FluxBenchFleet {
  write(root, 'clusters/main/flux-system/gotk-sync.yaml', 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/main\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n');
  const perUnit = Math.ceil(resources / units);
  const names: string[] = [];
  let total = 0;
  for (let u = 0; u < units; u++) {
    const app = `app-${String(u).padStart(2, '0')}`;
    names.push(app);
    const dependsOn = u % 10 === 0 ? '' : `  dependsOn:\n    - name: app-${String(u - 1).padStart(2, '0')}\n`;
    write(
      root,
      `clusters/main/${app}.yaml`,
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${app}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/${app}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  targetNamespace: ${app}\n${dependsOn}  patches:\n    - patch: |\n        - op: replace\n          path: /spec/replicas\n          value: 2\n      target:\n        kind: Deployment\n        name: ${app}-0\n  postBuild:\n    substitute:\n      TIER: gold\n`,
    );
    const count = Math.min(perUnit, resources - total);
    const files: string[] = [];
    for (let f = 0; f * 10 < count; f++) {
      const docs: string[] = [];
      for (let d = f * 10; d < Math.min(count, f * 10 + 10); d++) {
        const name = `${app}-${d}`;
        docs.push(
          d % 2 === 0
            ? `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/${name}:1.0\n`
            : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  tier: \${TIER}\n`,
        );
      }
      const file = `part-${f}.yaml`;
      files.push(file);
      write(root, `apps/${app}/${file}`, docs.join('---\n'));
    }
    write(root, `apps/${app}/kustomization.yaml`, `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${files.map((f) => `  - ${f}\n`).join('')}`);
    total += count;
  }
  return { root, units: names, resources: total, editable: join(root, 'apps', 'app-00', 'part-0.yaml') };
}
