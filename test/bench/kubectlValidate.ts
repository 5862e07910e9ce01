// kubectl-validate, the second anchor for `plumbline check`: the apiserver's own validation code
// (structural schemas, CEL rules, metadata) run offline. Built from its Go module by
// scripts/install-kubectl-validate.sh into .cache/bin (on demand: the benchmark needs it, the
// tests do not), and given the same schemas as Plumbline and kubeconform: Plumbline's bundled
// OpenAPI v3 definitions (the bench apiserver's, plus Flux and Argo CD) laid out as the
// apiserver serves them, one document per group/version (`apis/<group>/<version>.json`,
// `api/v1.json`), and the corpus's CRD through --local-crds.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { BENCH_CACHE, mustRun, REPO, runProcess } from './util';

export const KUBECTL_VALIDATE_MODULE = 'sigs.k8s.io/kubectl-validate';
export const KUBECTL_VALIDATE_BIN = join(REPO, '.cache', 'bin', 'kubectl-validate');

/** Builds kubectl-validate unless the cached binary is the pinned version; returns its version. */
export async function ensureKubectlValidate(): Promise<{ binary: string; version: string; ms: number }> {
  const started = Date.now();
  await mustRun('bash', [join(REPO, 'scripts', 'install-kubectl-validate.sh')]);
  const info = await runProcess(process.env['GO'] ?? 'go', ['version', '-m', KUBECTL_VALIDATE_BIN]);
  const mod = info.stdout.split('\n').find((l) => /^\s*mod\s/.test(l))?.trim().split(/\s+/);
  if (mod?.[1] !== KUBECTL_VALIDATE_MODULE || mod[2] === undefined) throw new Error(`${KUBECTL_VALIDATE_BIN} does not record ${KUBECTL_VALIDATE_MODULE}: ${info.stdout}${info.stderr}`);
  return { binary: KUBECTL_VALIDATE_BIN, version: mod[2], ms: Date.now() - started };
}

/**
 * Kinds the apiserver serves without a namespace. The OpenAPI definitions do not say; the
 * apiserver's paths do, and kubectl-validate reads the scope from there or from its own
 * `x-kubectl-validate-scope` extension, which we set.
 */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ComponentStatus', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService',
  'StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'PriorityClass', 'RuntimeClass', 'IngressClass', 'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration', 'TokenReview', 'SelfSubjectReview',
  'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'ClusterTrustBundle', 'DeviceClass', 'ResourceSlice', 'IPAddress',
  'ServiceCIDR', 'StorageVersion', 'StorageVersionMigration', 'VolumeAttributesClass',
]);

const REF = /"\$ref":"#\/components\/schemas\/([^"]+)"/g;

/** Writes one OpenAPI v3 document per group/version below `dir`; returns how many. */
export function writeKubectlValidateSchemas(bundle: SchemaBundleData, dir: string): { dir: string; groupVersions: number } {
  rmSync(dir, { recursive: true, force: true });
  const byGroupVersion = new Map<string, string[]>();
  for (const [key, name] of Object.entries(bundle.kinds)) {
    const [group = '', version = ''] = key.split('/');
    const gv = group === '' ? join('api', `${version}.json`) : join('apis', group, `${version}.json`);
    byGroupVersion.set(gv, [...(byGroupVersion.get(gv) ?? []), name]);
  }
  for (const [file, roots] of byGroupVersion) {
    const schemas: Record<string, OpenApiSchema & { 'x-kubectl-validate-scope'?: string }> = {};
    const pending = [...roots];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      const definition = bundle.definitions[name];
      if (definition === undefined || schemas[name] !== undefined) continue;
      const kinds = definition['x-kubernetes-group-version-kind'] ?? [];
      const namespaced = kinds.length > 0 && !kinds.some((k) => CLUSTER_SCOPED.has(k.kind));
      schemas[name] = kinds.length > 0 ? { ...definition, 'x-kubectl-validate-scope': namespaced ? 'Namespaced' : 'Cluster' } : definition;
      for (const m of JSON.stringify(definition).matchAll(REF)) if (m[1] !== undefined && schemas[m[1]] === undefined) pending.push(m[1]);
    }
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), JSON.stringify({ openapi: '3.0.0', info: { title: 'Kubernetes', version: bundle.kubernetesVersion }, paths: {}, components: { schemas } }));
  }
  return { dir, groupVersions: byGroupVersion.size };
}

/** Where the benchmark keeps kubectl-validate's schemas. */
export const KUBECTL_VALIDATE_SCHEMAS = join(BENCH_CACHE, 'schemas', 'kubectl-validate');

/** One document's verdict in `kubectl-validate -o json`: a metav1.Status. */
interface Status {
  status?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/** Per file (as given on the command line, below the folders), the verdict of each document in order: undefined when valid, else what it said. */
export function parseKubectlValidateJson(stdout: string): Map<string, (string | undefined)[]> {
  const parsed = JSON.parse(stdout) as Record<string, Status[] | null>;
  const out = new Map<string, (string | undefined)[]>();
  for (const [path, statuses] of Object.entries(parsed)) {
    out.set(
      path,
      (statuses ?? []).map((s) => {
        if (s.status === 'Success') return undefined;
        const causes = (s.details?.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`);
        return causes.length > 0 ? causes.join('; ') : (s.message ?? 'failed');
      }),
    );
  }
  return out;
}

/**
 * The newest Kubernetes release whose schemas kubectl-validate v0.0.4 carries. `--version` only
 * picks the schemas it falls back to for a group/version ours lack (none in the corpora): any
 * other version makes it fetch them from the network, which the benchmark must not do.
 */
const FALLBACK_VERSION = '1.30';

/** The command line for one run: our schemas, the CRD folders, then the targets. */
export function kubectlValidateArgs(schemasDir: string, crdDirs: readonly string[], targets: readonly string[]): string[] {
  return ['--version', FALLBACK_VERSION, '--local-schemas', schemasDir, ...crdDirs.flatMap((d) => ['--local-crds', d]), '-o', 'json', ...targets];
}
