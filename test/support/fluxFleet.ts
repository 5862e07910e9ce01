// A Flux fleet repository of our own, after the shapes of public Flux examples: two clusters
// (staging, production) applying one infrastructure folder with their own patches, apps with
// per-cluster images, prefixes and postBuild variables, a tenant's repository, and Argo CD
// Applications beside Flux (another repository's, and a jsonnet one). Used by the git tier
// (test/git/fluxLayouts.test.ts) and the editor tier (test/e2e/fleet.test.ts).
export const kustomization = (name: string, spec: string): string => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n${spec}`;
const gitRepository = (name: string, url: string): string => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: ${url}\n  ref:\n    branch: main\n`;
export const issuer = 'apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\nspec:\n  acme:\n    server: https://acme-staging.example/directory\n    privateKeySecretRef:\n      name: letsencrypt\n';
const appDeployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${REPLICAS}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web:1.0\n          env:\n            - {name: HOST, value: "web.${DOMAIN}"}\n            - {name: REGION, value: "${REGION:=eu-west-1}"}\n            - {name: LITERAL, value: "$${KEEP}"}\n            - {name: API_KEY, value: "${API_KEY}"}\n';
const appSpec = (env: string): string =>
  `  path: ./apps/${env}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  targetNamespace: shop-${env}\n  namePrefix: ${env.slice(0, 4)}-\n  images:\n    - name: registry.example/web\n      newTag: "2.0"\n  commonMetadata:\n    labels:\n      team: shop\n  postBuild:\n    substitute:\n      REPLICAS: "${env === 'production' ? 4 : 2}"\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars\n      - kind: Secret\n        name: cluster-secrets\n        optional: true\n      - kind: ConfigMap\n        name: made-in-cluster\n`;

export const TWO_CLUSTERS: Record<string, string> = {
  'clusters/staging/flux-system/gotk-sync.yaml': `${gitRepository('flux-system', 'ssh://git@github.example/acme/fleet.git')}---\n${kustomization('flux-system', '  path: ./clusters/staging\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n')}`,
  'clusters/staging/infrastructure.yaml': kustomization('infra-configs', '  path: ./infrastructure/configs\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'),
  'clusters/staging/apps.yaml': kustomization('apps', appSpec('staging')),
  'clusters/staging/cluster-vars.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  DOMAIN: staging.example\n',
  'clusters/staging/tenant.yaml': `${gitRepository('tenant', 'https://github.example/acme/tenant-team')}---\n${kustomization('tenant', '  path: ./deploy\n  sourceRef:\n    kind: GitRepository\n    name: tenant\n')}`,
  'clusters/production/flux-system/gotk-sync.yaml': `${gitRepository('flux-system', 'ssh://git@github.example/acme/fleet.git')}---\n${kustomization('flux-system', '  path: ./clusters/production\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n')}`,
  'clusters/production/infrastructure.yaml': kustomization(
    'infra-configs',
    '  path: ./infrastructure/configs\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  patches:\n    - patch: |\n        - op: replace\n          path: /spec/acme/server\n          value: https://acme.example/directory\n      target:\n        kind: ClusterIssuer\n        name: letsencrypt\n',
  ),
  'clusters/production/apps.yaml': kustomization('apps', appSpec('production')),
  'clusters/production/cluster-vars.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  DOMAIN: shop.example\n  REGION: us-east-2\n',
  'clusters/production/cluster-secrets.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\ndata:\n  API_KEY: ${Buffer.from('prod-key').toString('base64')}\n`,
  'infrastructure/configs/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - issuer.yaml\n',
  'infrastructure/configs/issuer.yaml': issuer,
  // staging's app folder has no kustomization: Flux generates one from its files.
  'apps/staging/deployment.yaml': appDeployment,
  'apps/staging/notes.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  template: "${RAW}"\n',
  'apps/production/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n',
  'apps/production/deployment.yaml': appDeployment,
  // Argo CD beside Flux: an Application of another repository, and one whose source is jsonnet.
  'argocd/guestbook.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: guestbook\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.example/argoproj/example-apps.git\n    targetRevision: HEAD\n    path: guestbook\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: guestbook\n',
  'argocd/dashboards.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: dashboards\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: git@github.example:acme/fleet\n    path: apps/dashboards\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: monitoring\n',
  'apps/dashboards/main.jsonnet': '{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dashboards" } }\n',
};


/** The hosted address the fleet's GitRepository names (as `ssh://`); a clone's origin in another spelling. */
export const FLEET_ORIGIN = 'git@github.example:acme/fleet.git';
