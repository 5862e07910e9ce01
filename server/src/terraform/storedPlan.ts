import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { ClusterClient, KubeObject } from '../cluster/http';
import { terraformFacts, type TerraformFacts } from '../health/terraform';
import type { Result } from '../result';
import { jsonPlanText } from './planText';

/**
 * The readable plan tofu-controller keeps beside a Terraform object (api/plan in its source):
 * `storeReadablePlan: human` → ConfigMap(s) `tfplan-<workspace>-<name>`, key `tfplan`, the text
 * of `terraform show`; `json` → Secret(s) `tfplan-<workspace>-<name>.json`, key `tfplan`, the
 * gzipped `terraform show -json`. Over 1 MiB it is split into chunks `…-0`, `…-1` with the index
 * in an annotation. Both carry labels for the name and workspace and the plan id in `savedPlan`.
 */
export const PLAN_NAME_LABEL = 'infra.contrib.fluxcd.io/plan-name';
export const PLAN_WORKSPACE_LABEL = 'infra.contrib.fluxcd.io/plan-workspace';
export const PLAN_CHUNK_ANNOTATION = 'infra.contrib.fluxcd.io/plan-chunk';
export const PLAN_ID_ANNOTATION = 'savedPlan';
export const PLAN_KEY = 'tfplan';
/** The API version tofu-controller serves and stores. */
export const TERRAFORM_API = '/apis/infra.contrib.fluxcd.io/v1alpha2';

/** tofu-controller's label value for a long name: cut to 63 characters, the end a hash of the whole. */
export function safeLabelValue(value: string): string {
  if (value.length <= 63) return value;
  const suffix = `-${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
  return value.slice(0, 63 - suffix.length) + suffix;
}

export interface StoredPlan {
  title: string;
  /** The plan as text; sensitive values of a JSON plan masked. */
  text: string;
  format: 'human' | 'json';
  /** The id the stored plan carries, and the one the object says is pending (they differ while a new plan is being written). */
  storedId: string | undefined;
  pendingId: string | undefined;
  /** Where it was read from, for the title and the log: "ConfigMap flux-system/tfplan-default-infra". */
  from: string;
}

export interface StoredPlanError {
  kind: 'no-plan' | 'not-stored' | 'cluster' | 'unreadable';
  message: string;
}

interface ListOf {
  items?: KubeObject[];
}

const annotation = (o: KubeObject, key: string): string | undefined => o.metadata?.annotations?.[key];

/** The chunks in order; an error when one is missing or an index is not a number. */
function ordered(objects: readonly KubeObject[], what: string): Result<KubeObject[], StoredPlanError> {
  const byIndex = new Map<number, KubeObject>();
  for (const o of objects) {
    const raw = annotation(o, PLAN_CHUNK_ANNOTATION);
    const index = raw === undefined || raw === '' ? 0 : Number(raw);
    if (!Number.isInteger(index) || index < 0) return { ok: false, error: { kind: 'unreadable', message: `${what} ${o.metadata?.name ?? ''} has a chunk index that is not a number` } };
    byIndex.set(index, o);
  }
  const out: KubeObject[] = [];
  for (let i = 0; i < byIndex.size; i++) {
    const o = byIndex.get(i);
    if (o === undefined) return { ok: false, error: { kind: 'unreadable', message: `chunk ${i} of the stored plan is missing` } };
    out.push(o);
  }
  return { ok: true, value: out };
}

/** The ConfigMaps or Secrets that hold a plan: by tofu-controller's labels, else by the name older releases used. */
async function planObjects(client: ClusterClient, resource: 'configmaps' | 'secrets', namespace: string, planName: string, workspace: string): Promise<Result<KubeObject[], StoredPlanError>> {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}`;
  const listed = await client.request<ListOf>(base, { query: { labelSelector: `${PLAN_NAME_LABEL}=${safeLabelValue(planName)},${PLAN_WORKSPACE_LABEL}=${safeLabelValue(workspace)}` } });
  if (!listed.ok) return { ok: false, error: { kind: 'cluster', message: listed.error.message } };
  const items = listed.value.items ?? [];
  if (items.length > 0) return { ok: true, value: items };
  const legacy = await client.request<KubeObject>(`${base}/${encodeURIComponent(`tfplan-${workspace}-${planName}`)}`);
  if (legacy.ok) return { ok: true, value: [legacy.value] };
  if (legacy.error.kind !== 'not-found') return { ok: false, error: { kind: 'cluster', message: legacy.error.message } };
  return { ok: true, value: [] };
}

/** The stored plan of a Terraform object, as text a person reads; an error value says why there is none. */
export async function readStoredPlan(client: ClusterClient, namespace: string, name: string): Promise<Result<StoredPlan, StoredPlanError>> {
  const got = await client.request<KubeObject>(`${TERRAFORM_API}/namespaces/${encodeURIComponent(namespace)}/terraforms/${encodeURIComponent(name)}`);
  if (!got.ok) return { ok: false, error: { kind: got.error.kind === 'not-found' ? 'no-plan' : 'cluster', message: got.error.kind === 'not-found' ? `Terraform ${namespace}/${name} is not in the cluster` : got.error.message } };
  return storedPlanOf(client, got.value);
}

export async function storedPlanOf(client: ClusterClient, live: KubeObject): Promise<Result<StoredPlan, StoredPlanError>> {
  const facts = terraformFacts(live);
  const namespace = facts.namespace ?? client.namespace;
  const who = `Terraform ${namespace}/${facts.name}`;
  if (facts.storeReadablePlan === 'none') return { ok: false, error: { kind: 'not-stored', message: `${who} keeps no readable plan: set spec.storeReadablePlan to human or json` } };
  if (facts.pendingPlan === undefined) return { ok: false, error: { kind: 'no-plan', message: `${who} has no pending plan` } };
  return facts.storeReadablePlan === 'human' ? humanPlan(client, facts, namespace) : jsonPlan(client, facts, namespace);
}

function header(facts: TerraformFacts, namespace: string, storedId: string | undefined, from: string, masked: boolean): string {
  const lines = [`# Terraform ${namespace}/${facts.name}, workspace ${facts.workspace}: plan ${facts.pendingPlan ?? '(none pending)'}`, `# read from ${from}${masked ? '; values Terraform marks sensitive are masked' : ''}`];
  if (storedId !== undefined && storedId !== facts.pendingPlan) lines.push(`# note: the stored plan is ${storedId}, not the pending ${facts.pendingPlan ?? ''}: tofu-controller may still be writing it`);
  return `${lines.join('\n')}\n\n`;
}

async function humanPlan(client: ClusterClient, facts: TerraformFacts, namespace: string): Promise<Result<StoredPlan, StoredPlanError>> {
  const found = await planObjects(client, 'configmaps', namespace, facts.name, facts.workspace);
  if (!found.ok) return found;
  if (found.value.length === 0) return { ok: false, error: { kind: 'no-plan', message: `no ConfigMap tfplan-${facts.workspace}-${facts.name} in ${namespace}: tofu-controller has not stored the readable plan` } };
  const chunks = ordered(found.value, 'ConfigMap');
  if (!chunks.ok) return chunks;
  const text = chunks.value.map((c) => ((c as { data?: Record<string, string> }).data ?? {})[PLAN_KEY] ?? '').join('');
  const storedId = annotation(chunks.value[0]!, PLAN_ID_ANNOTATION);
  const from = `ConfigMap ${namespace}/${chunks.value.length === 1 ? chunks.value[0]!.metadata?.name ?? '' : `tfplan-${facts.workspace}-${facts.name}-* (${chunks.value.length} chunks)`}`;
  return { ok: true, value: { title: `Plan ${facts.pendingPlan ?? ''} of ${facts.name}`, text: header(facts, namespace, storedId, from, false) + text, format: 'human', storedId, pendingId: facts.pendingPlan, from } };
}

async function jsonPlan(client: ClusterClient, facts: TerraformFacts, namespace: string): Promise<Result<StoredPlan, StoredPlanError>> {
  const planName = `${facts.name}.json`;
  const found = await planObjects(client, 'secrets', namespace, planName, facts.workspace);
  if (!found.ok) return found;
  if (found.value.length === 0) return { ok: false, error: { kind: 'no-plan', message: `no Secret tfplan-${facts.workspace}-${planName} in ${namespace}: tofu-controller has not stored the JSON plan` } };
  const chunks = ordered(found.value, 'Secret');
  if (!chunks.ok) return chunks;
  // The chunks are pieces of one gzip stream: joined before it is opened.
  const gzipped = Buffer.concat(chunks.value.map((c) => Buffer.from(((c as { data?: Record<string, string> }).data ?? {})[PLAN_KEY] ?? '', 'base64')));
  let raw: string;
  try {
    raw = gunzipSync(gzipped, { maxOutputLength: 256 * 1024 * 1024 }).toString('utf8');
  } catch (error) {
    // Never the bytes themselves: they are a Secret's.
    return { ok: false, error: { kind: 'unreadable', message: `the stored JSON plan is not gzip data (${error instanceof Error ? (error as NodeJS.ErrnoException).code ?? 'error' : 'error'})` } };
  }
  const readable = jsonPlanText(raw);
  if (readable === undefined) return { ok: false, error: { kind: 'unreadable', message: 'the stored JSON plan is not a Terraform JSON plan' } };
  const storedId = annotation(chunks.value[0]!, PLAN_ID_ANNOTATION);
  const from = `Secret ${namespace}/${chunks.value.length === 1 ? chunks.value[0]!.metadata?.name ?? '' : `tfplan-${facts.workspace}-${planName}-* (${chunks.value.length} chunks)`}`;
  return { ok: true, value: { title: `Plan ${facts.pendingPlan ?? ''} of ${facts.name}`, text: header(facts, namespace, storedId, from, true) + readable.text, format: 'json', storedId, pendingId: facts.pendingPlan, from } };
}
