import type { KubeObject } from '../manifests/kubeObject';
import type { KStatusResult } from './kstatus';

/**
 * What a `Terraform` object of tofu-controller (infra.contrib.fluxcd.io) says about itself, read
 * from the fields its API types define (api/v1alpha2/terraform_types.go): the Ready condition's
 * reason, the pending plan, when drift was last seen, which revision and generation were planned
 * and applied, and the state lock. No controller code runs here: only its status is read.
 */
export const TERRAFORM_GROUP = 'infra.contrib.fluxcd.io';

/** `spec.approvePlan` values with a meaning of their own; any other value approves the plan whose id it prefixes. */
export const APPROVE_AUTO = 'auto';
export const APPROVE_DISABLE = 'disable';

export interface PlanChanges {
  add: number;
  change: number;
  destroy: number;
}

export interface TerraformFacts {
  name: string;
  namespace: string | undefined;
  generation: number | undefined;
  /** `spec.workspace`, "default" when unset (the plan ConfigMaps and Secrets are named after it). */
  workspace: string;
  approvePlan: string | undefined;
  storeReadablePlan: 'none' | 'human' | 'json';
  planOnly: boolean;
  force: boolean;
  sourceRef: { kind: string; name: string; namespace: string | undefined } | undefined;
  ready: { status: string; reason: string; message: string } | undefined;
  /** `status.plan.pending`: the id of the plan waiting to be applied ("plan-main-b8e362c206"). */
  pendingPlan: string | undefined;
  isDestroyPlan: boolean;
  isDriftDetectionPlan: boolean;
  lastDriftDetectedAt: string | undefined;
  lastPlanAt: string | undefined;
  lastPlannedRevision: string | undefined;
  lastPlannedGeneration: number | undefined;
  lastAppliedRevision: string | undefined;
  /** Who holds the state lock (`status.lock.pending`, or the StateLocked condition when that is all there is). */
  lock: { id: string | undefined; message: string } | undefined;
  /** Counts from the "Plan: 1 to add, 2 to change, 0 to destroy." line tofu-controller copies into the Ready message. */
  changes: PlanChanges | undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function isTerraform(apiVersion: string | undefined, kind: string | undefined): boolean {
  return kind === 'Terraform' && (apiVersion ?? '').split('/')[0] === TERRAFORM_GROUP;
}

/**
 * The plan id tofu-controller gives a source revision (api/planid): `main@sha1:b8e362c2…` (and
 * the older `main/b8e362c2…`) → `plan-main-b8e362c206`; a revision without a branch keeps its
 * first ten characters.
 */
export function planIdOf(revision: string): string {
  const at = revision.split('@');
  if (at.length === 2) {
    const hash = (at[1] ?? '').split(':')[1] ?? '';
    return `plan-${at[0] ?? ''}-${hash.slice(0, 10)}`;
  }
  const slash = revision.split('/');
  if (slash.length === 2) return `plan-${slash[0] ?? ''}-${(slash[1] ?? '').slice(0, 10)}`;
  return `plan-${revision.slice(0, 10)}`;
}

/** The counts of Terraform's and OpenTofu's plan summary line, wherever it is in a text. */
export function planChanges(text: string): PlanChanges | undefined {
  const m = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(text);
  if (m === null) return undefined;
  return { add: Number(m[1]), change: Number(m[2]), destroy: Number(m[3]) };
}

export function changeCount(c: PlanChanges): number {
  return c.add + c.change + c.destroy;
}

export function terraformFacts(live: KubeObject): TerraformFacts {
  const o = live as unknown as Obj;
  const metadata = obj(o['metadata']);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as unknown[]).map(obj) : [];
  const ready = conditions.find((c) => c['type'] === 'Ready');
  const planCondition = conditions.find((c) => c['type'] === 'Plan');
  const locked = conditions.find((c) => c['type'] === 'StateLocked' && c['status'] === 'True');
  const plan = obj(status['plan']);
  const lock = obj(status['lock']);
  const sourceRef = obj(spec['sourceRef']);
  const store = spec['storeReadablePlan'];
  const lockId = str(lock['pending']);
  const readyMessage = str(ready?.['message']) ?? '';
  return {
    name: str(metadata['name']) ?? '',
    namespace: str(metadata['namespace']),
    generation: num(metadata['generation']),
    workspace: str(spec['workspace']) ?? 'default',
    approvePlan: str(spec['approvePlan']),
    storeReadablePlan: store === 'human' || store === 'json' ? store : 'none',
    planOnly: spec['planOnly'] === true,
    force: spec['force'] === true,
    sourceRef: str(sourceRef['name']) !== undefined ? { kind: str(sourceRef['kind']) ?? 'GitRepository', name: str(sourceRef['name']) ?? '', namespace: str(sourceRef['namespace']) } : undefined,
    ready: ready === undefined ? undefined : { status: str(ready['status']) ?? 'Unknown', reason: str(ready['reason']) ?? '', message: readyMessage },
    pendingPlan: str(plan['pending']),
    isDestroyPlan: plan['isDestroyPlan'] === true,
    isDriftDetectionPlan: plan['isDriftDetectionPlan'] === true,
    lastDriftDetectedAt: str(status['lastDriftDetectedAt']),
    lastPlanAt: str(status['lastPlanAt']),
    lastPlannedRevision: str(status['lastPlannedRevision']),
    lastPlannedGeneration: num(status['lastPlannedGeneration']),
    lastAppliedRevision: str(status['lastAppliedRevision']),
    lock: lockId !== undefined || locked !== undefined ? { id: lockId, message: str(locked?.['message']) ?? '' } : undefined,
    changes: planChanges(readyMessage) ?? planChanges(str(planCondition?.['message']) ?? ''),
  };
}

/** Whether `approvePlan` approves the pending plan, as the controller decides (an id or a prefix of it, or auto). */
export function approves(approvePlan: string | undefined, pending: string): boolean {
  if (approvePlan === undefined) return false;
  return approvePlan === APPROVE_AUTO || pending.startsWith(approvePlan);
}

/** "10:42 UTC" today, else "2026-12-07 10:42 UTC": when something happened, as a person reads it. */
export function clock(time: string | undefined, now = new Date()): string | undefined {
  if (time === undefined) return undefined;
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return undefined;
  const iso = d.toISOString();
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? `${iso.slice(11, 16)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "plan has 3 changes (1 to add, 2 to change)", or "plan has changes" when the count is not in the status. */
function planWords(facts: TerraformFacts): string {
  const kind = facts.isDestroyPlan ? 'destroy plan' : 'plan';
  if (facts.changes === undefined) return `${kind} has changes`;
  const n = changeCount(facts.changes);
  const parts = ([['add', facts.changes.add], ['change', facts.changes.change], ['destroy', facts.changes.destroy]] as const).filter(([, v]) => v > 0).map(([k, v]) => `${v} to ${k}`);
  return `${kind} has ${n} change${n === 1 ? '' : 's'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** How the pending plan gets applied: "approvePlan is manual", "approvePlan is auto", "planOnly". */
function modeWords(facts: TerraformFacts): string {
  if (facts.planOnly) return 'planOnly: it is never applied';
  if (facts.force) return 'force: it is applied without approval';
  if (facts.approvePlan === APPROVE_AUTO) return 'approvePlan is auto: it is applied on the next reconcile';
  if (facts.approvePlan === APPROVE_DISABLE) return 'approvePlan is disable';
  if (facts.pendingPlan !== undefined && approves(facts.approvePlan, facts.pendingPlan)) return `approvePlan ${facts.approvePlan ?? ''} approves it: waiting for the controller to apply`;
  return 'approvePlan is manual';
}

/**
 * Whether the pending plan is stale, in words ("plan plan-main-aaaaaaaaaa is stale: it was planned
 * at generation 1, the object is at generation 2; it was planned from main@sha1:…, the source is
 * now at main@sha1:…"), or undefined. A plan is stale when it was made for an older spec of the
 * object (`lastPlannedGeneration`) or from an older revision than its source serves now
 * (`lastPlannedRevision`; `sourceRevision` undefined when the source could not be read, and then
 * generation alone decides). Only a plan still waiting can be stale: once applied, a newer
 * revision is the controller's next reconcile, not a stale plan. The one place that decides it, so
 * the editor's diagnostic, the sidebar and `plumbline status` never disagree.
 */
export function stalePlan(facts: TerraformFacts, sourceRevision: string | undefined): string | undefined {
  const pending = facts.pendingPlan;
  if (pending === undefined) return undefined;
  const reasons: string[] = [];
  if (facts.generation !== undefined && facts.lastPlannedGeneration !== undefined && facts.lastPlannedGeneration < facts.generation) {
    reasons.push(`it was planned at generation ${facts.lastPlannedGeneration}, the object is at generation ${facts.generation}`);
  }
  if (sourceRevision !== undefined && facts.lastPlannedRevision !== undefined && sourceRevision !== facts.lastPlannedRevision) {
    reasons.push(`it was planned from ${facts.lastPlannedRevision}, the source is now at ${sourceRevision}`);
  }
  return reasons.length > 0 ? `plan ${pending} is stale: ${reasons.join('; ')}` : undefined;
}

export type TerraformNoteCode = 'terraform.drift' | 'terraform.plan-pending' | 'terraform.plan-stale' | 'terraform.locked' | 'terraform.failed';

/** One thing to tell about a Terraform object, beside its Git declaration. */
export interface TerraformNote {
  code: TerraformNoteCode;
  severity: 'error' | 'warning' | 'information';
  message: string;
  /** The pending plan's id, where approving it is the way on. */
  planId?: string;
}

export interface TerraformContext {
  /** The revision its source (GitRepository, OCIRepository, Bucket) serves now, when it could be read. */
  sourceRevision?: string;
  now?: Date;
}

/** What a Terraform object's live status tells a person editing its manifest; nothing for a settled one. */
export function terraformNotes(facts: TerraformFacts, context: TerraformContext = {}): TerraformNote[] {
  const notes: TerraformNote[] = [];
  const ready = facts.ready;
  const lastApplied = facts.lastAppliedRevision !== undefined ? `; last applied ${facts.lastAppliedRevision}` : '';
  const pending = facts.pendingPlan;
  const at = (time: string | undefined): string => {
    const c = clock(time, context.now);
    return c === undefined ? '' : ` at ${c}`;
  };
  if (ready?.reason === 'DriftDetected') {
    notes.push({
      code: 'terraform.drift',
      severity: 'warning',
      message: `tofu-controller detected drift${at(facts.lastDriftDetectedAt)}: ${planWords(facts)}; ${modeWords(facts)}${lastApplied}`,
      ...(pending !== undefined ? { planId: pending } : {}),
    });
  } else if (pending !== undefined) {
    const approved = approves(facts.approvePlan, pending) && !facts.planOnly;
    notes.push({
      code: 'terraform.plan-pending',
      severity: approved ? 'information' : 'warning',
      message: `tofu-controller planned ${pending}${at(facts.lastPlanAt)}: ${planWords(facts)}; ${modeWords(facts)}${approved || facts.planOnly || facts.force ? '' : ` (set approvePlan: ${pending} to apply it)`}${lastApplied}`,
      ...(approved ? {} : { planId: pending }),
    });
  }
  const stale = stalePlan(facts, context.sourceRevision);
  if (stale !== undefined) notes.push({ code: 'terraform.plan-stale', severity: 'warning', message: `${stale}; the controller plans again before applying` });
  if (facts.lock !== undefined) {
    const id = facts.lock.id;
    notes.push({
      code: 'terraform.locked',
      severity: 'warning',
      message: `Terraform state is locked${id !== undefined ? ` (lock ${id})` : ''}${facts.lock.message !== '' ? `: ${firstLine(facts.lock.message)}` : ''}; to release it set tfstate.forceUnlock: yes${id !== undefined ? ` and tfstate.lockIdentifier: ${id}` : ''}`,
    });
  }
  if (ready?.status === 'False' && ready.reason !== 'DriftDetected' && ready.reason !== 'LockHeld') {
    notes.push({ code: 'terraform.failed', severity: 'error', message: `tofu-controller: ${ready.reason}${ready.message !== '' ? `: ${firstLine(ready.message)}` : ''}` });
  }
  return notes;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * A Terraform object's health: drift and a held lock need a person (Failed), a plan waiting for
 * approval is on its way (InProgress, as Ready=Unknown says), no drift or a plan without changes
 * is Current. Other Ready reasons go by the condition's status.
 */
export function terraformHealth(live: KubeObject, context: TerraformContext = {}): KStatusResult {
  const facts = terraformFacts(live);
  const ready = facts.ready;
  const stale = stalePlan(facts, context.sourceRevision);
  const staleWords = stale !== undefined ? `; ${stale}` : '';
  if (facts.lock !== undefined) return { status: 'Failed', message: `state locked${facts.lock.id !== undefined ? ` (lock ${facts.lock.id})` : ''}` };
  if (ready === undefined) return { status: 'InProgress', message: 'not reconciled by tofu-controller yet' };
  if (ready.reason === 'DriftDetected') return { status: 'Failed', message: `drift detected${facts.lastDriftDetectedAt !== undefined ? ` at ${clock(facts.lastDriftDetectedAt, context.now) ?? facts.lastDriftDetectedAt}` : ''}: ${planWords(facts)}${staleWords}` };
  if (facts.pendingPlan !== undefined) {
    const waiting = facts.planOnly ? 'plan only' : approves(facts.approvePlan, facts.pendingPlan) ? 'approved, applying' : 'waiting for approvePlan';
    return { status: 'InProgress', message: `${facts.pendingPlan}: ${planWords(facts)}, ${waiting}${staleWords}` };
  }
  const said = `${ready.reason}${ready.message !== '' ? `: ${firstLine(ready.message)}` : ''}`;
  if (ready.status === 'True') return { status: 'Current', message: said };
  if (ready.status === 'False') return { status: 'Failed', message: said };
  return { status: 'InProgress', message: said };
}
