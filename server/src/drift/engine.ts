import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ResourceInfo } from '../cluster/discovery';
import { Discovery } from '../cluster/discovery';
import type { ClusterClient, KubeObject } from '../cluster/http';
import { LiveStore } from '../cluster/liveStore';
import type { ClusterError, Result } from '../cluster/result';
import type { ClusterSession } from '../cluster/session';
import type { ResourceIdentity } from '../manifests/identity';
import { diffObjects, type FieldDiff, type ListKeys } from './diff';
import { isPrefix, valueAt, type FieldPath } from '../manifests/fieldPath';
import { Limiter } from './limiter';
import { DEFAULT_MANUAL_MANAGERS, handSetFields, ownedBy, writerOf, type HandSetField } from './managedFields';
import { normalize } from './normalize';
import { declaredPaths, defaultsOfClientSideApply, predictClientSide } from './clientSide';
import { appliersOf, ENVIRONMENT_MARK, type Applier } from './appliers';
import { applyIgnoreRules, type IgnoreRule } from './ignore';

export const FIELD_MANAGER = 'plumbline';

export interface ValueDrift extends FieldDiff {
  /** Who last wrote the live value, when managedFields say. */
  writer: { manager: string; time: string | undefined } | undefined;
}

/** What comparing one Git document with its cluster found. */
export type DriftReport =
  | { state: 'in-sync'; live: KubeObject; predicted: KubeObject; clientSide: boolean; namespace: string | undefined }
  | { state: 'drifted'; live: KubeObject; predicted: KubeObject; values: ValueDrift[]; handSet: HandSetField[]; clientSide: boolean; namespace: string | undefined }
  | { state: 'not-in-cluster'; namespace: string | undefined }
  /** The cluster refused the object (422/400): applying Git would fail. */
  | { state: 'rejected'; message: string }
  | { state: 'unavailable'; error: ClusterError };

export interface DriftOptions {
  manualManagers: readonly string[];
  concurrency: number;
  /** Merge keys for lists, from the schema; guessed when undefined. */
  listKeys?: (identity: ResourceIdentity) => ListKeys | undefined;
}

const DEFAULTS: DriftOptions = { manualManagers: DEFAULT_MANUAL_MANAGERS, concurrency: 16 };

/**
 * Compares Git documents with the live cluster: what the cluster would hold after applying the
 * document (a server-side apply dry-run) against what it holds, field by field.
 */
export class DriftEngine {
  readonly live: LiveStore | undefined;
  private readonly limiter: Limiter;
  private readonly predictions = new Map<string, KubeObject>();
  private readonly options: DriftOptions;

  private constructor(
    readonly client: ClusterClient,
    readonly discovery: Discovery,
    options: Partial<DriftOptions>,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.limiter = new Limiter(this.options.concurrency);
    this.live = new LiveStore(client);
  }

  static async forSession(session: ClusterSession, options: Partial<DriftOptions> = {}): Promise<Result<DriftEngine>> {
    const client = await session.client();
    if (!client.ok) return client;
    return { ok: true, value: new DriftEngine(client.value, session.discovery ?? new Discovery(client.value), options) };
  }

  /** The namespace a document is compared in: its own, or the context's default for namespaced kinds. */
  namespaceFor(info: ResourceInfo, identity: ResourceIdentity): string | undefined {
    return info.namespaced ? (identity.namespace ?? this.client.namespace) : undefined;
  }

  /** Whether the cluster holds the object, answered from the watch cache; undefined when it cannot say. */
  async exists(identity: ResourceIdentity): Promise<boolean | undefined> {
    if (identity.name === undefined) return undefined;
    const info = await this.discovery.resource(identity.group, identity.version, identity.kind);
    if (!info.ok) return undefined;
    const live = await this.live!.get(info.value, this.namespaceFor(info.value, identity), identity.name);
    return live.ok ? live.value !== undefined : undefined;
  }

  async compare(identity: ResourceIdentity, desired: Record<string, unknown>): Promise<DriftReport> {
    if (identity.name === undefined) return { state: 'rejected', message: 'metadata.name is missing' };
    const info = await this.discovery.resource(identity.group, identity.version, identity.kind);
    if (!info.ok) return { state: 'unavailable', error: info.error };
    const namespace = this.namespaceFor(info.value, identity);
    const live = await this.live!.get(info.value, namespace, identity.name);
    if (!live.ok) return { state: 'unavailable', error: live.error };
    if (live.value === undefined) {
      // The watch may not have delivered a just-created object yet: confirm before saying it is missing.
      const direct = await this.client.request<KubeObject>(Discovery.path(info.value, namespace, identity.name));
      if (!direct.ok && direct.error.kind === 'not-found') return { state: 'not-in-cluster', namespace };
      if (!direct.ok) return { state: 'unavailable', error: direct.error };
      live.value = direct.value;
    }
    // A direct sync marks what it applied; keeping that mark in the prediction stops it reading as drift.
    const mark = live.value.metadata?.annotations?.[ENVIRONMENT_MARK];
    if (mark !== undefined) desired = withAnnotation(desired, ENVIRONMENT_MARK, mark);
    const predicted = await this.predict(info.value, namespace, identity.name, desired, live.value);
    const listKeys = this.options.listKeys?.(identity);
    let clientSide = false;
    let predictedObject: KubeObject;
    if (predicted.ok) predictedObject = predicted.value;
    else if (predicted.error.kind === 'invalid') return { state: 'rejected', message: predicted.error.message };
    else if (predicted.error.kind === 'forbidden') {
      // Without permission to dry-run, overlay Git on the live object: less exact (no defaults), but still useful.
      clientSide = true;
      predictedObject = predictClientSide(live.value, desired, listKeys ?? (() => undefined), ownedBy(live.value, FIELD_MANAGER));
    } else return { state: 'unavailable', error: predicted.error };

    const values: ValueDrift[] = diffObjects(normalize(predictedObject), normalize(live.value), listKeys).map((d) => ({
      ...d,
      writer: writerOf(live.value!, d.path, FIELD_MANAGER),
    }));
    const declared = clientSide ? declaredPaths(desired, listKeys ?? (() => undefined)) : ownedBy(predictedObject, FIELD_MANAGER);
    // A field whose value already drifts is reported once, as that value (Secret data set from Git's stringData).
    const explained = (path: FieldPath): boolean => values.some((v) => isPrefix(v.path, path) || isPrefix(path, v.path));
    const notApplied = clientSide ? defaultsOfClientSideApply(live.value, listKeys ?? (() => undefined)) : () => false;
    let handSet = handSetFields(live.value, declared, this.options.manualManagers, (path, manager) => explained(path) || notApplied(path, manager));
    if (handSet.length > 0 && !clientSide) {
      // kubectl create/apply own every field of what they created, server defaults included: a
      // field holding the value the server gives the Git object when creating it is no one's edit.
      const fresh = await this.created(info.value, namespace, identity.name, desired);
      if (fresh.ok) {
        const defaulted = (path: FieldPath): boolean => {
          const value = valueAt(live.value, path);
          return value !== undefined && isDeepStrictEqual(value, valueAt(fresh.value, path));
        };
        handSet = handSetFields(live.value, declared, this.options.manualManagers, (path) => explained(path) || defaulted(path));
      }
    }
    if (values.length === 0 && handSet.length === 0) return { state: 'in-sync', live: live.value, predicted: predictedObject, clientSide, namespace };
    return { state: 'drifted', live: live.value, predicted: predictedObject, values, handSet, clientSide, namespace };
  }

  /** Server-side apply dry-run of the Git object, cached by its content and the live resourceVersion. */
  private async predict(info: ResourceInfo, namespace: string | undefined, name: string, desired: Record<string, unknown>, live: KubeObject): Promise<Result<KubeObject>> {
    const body = JSON.stringify(desired);
    const key = `${Discovery.path(info, namespace, name)}|${live.metadata?.resourceVersion ?? ''}|${createHash('sha256').update(body).digest('hex')}`;
    const cached = this.predictions.get(key);
    if (cached !== undefined) return { ok: true, value: cached };
    const result = await this.limiter.run(() =>
      this.client.request<KubeObject>(Discovery.path(info, namespace, name), {
        method: 'PATCH',
        query: { dryRun: 'All', fieldManager: FIELD_MANAGER, force: 'true' },
        // JSON is YAML: sent as is, so no typed model drops unknown fields.
        body,
        contentType: 'application/apply-patch+yaml',
      }),
    );
    if (result.ok) {
      if (this.predictions.size > 10_000) this.predictions.clear();
      this.predictions.set(key, result.value);
    }
    return result;
  }

  /**
   * The Git object as the server would create it afresh (a dry-run create under a generated
   * name): its server defaults. Cached by content: defaults do not depend on the live object.
   */
  private async created(info: ResourceInfo, namespace: string | undefined, name: string, desired: Record<string, unknown>): Promise<Result<KubeObject>> {
    const metadata = { ...((desired['metadata'] ?? {}) as Record<string, unknown>) };
    metadata['generateName'] = `${name.slice(0, 40)}-`;
    delete metadata['name'];
    const body = JSON.stringify({ ...desired, metadata });
    const key = `create|${Discovery.path(info, namespace)}|${createHash('sha256').update(body).digest('hex')}`;
    const cached = this.predictions.get(key);
    if (cached !== undefined) return { ok: true, value: cached };
    const result = await this.limiter.run(() =>
      this.client.request<KubeObject>(Discovery.path(info, namespace), { method: 'POST', query: { dryRun: 'All', fieldManager: FIELD_MANAGER }, body }),
    );
    if (result.ok) {
      if (this.predictions.size > 10_000) this.predictions.clear();
      this.predictions.set(key, result.value);
    }
    return result;
  }

  dispose(): void {
    this.live?.dispose();
  }
}

export { ENVIRONMENT_MARK };

function withAnnotation(object: Record<string, unknown>, key: string, value: string): Record<string, unknown> {
  const metadata = (object['metadata'] ?? {}) as { annotations?: Record<string, string> };
  return { ...object, metadata: { ...metadata, annotations: { ...metadata.annotations, [key]: value } } };
}

/**
 * The report without what the user's ignore rules cover; all-ignored drift is in sync. Rules
 * scoped to an applier (Argo CD, Flux HelmRelease) apply when the live object's tracking labels
 * name it, or when the caller knows it from the environment (`owners`).
 */
export function withoutIgnored(report: DriftReport, rules: readonly IgnoreRule[], identity: ResourceIdentity, owners: readonly Applier[] = []): DriftReport {
  if (report.state !== 'drifted' || rules.length === 0) return report;
  const managers = [...owners, ...appliersOf(report.live)];
  const values = applyIgnoreRules(report.values, rules, identity, report.namespace, managers, report.live);
  const handSet = applyIgnoreRules(report.handSet, rules, identity, report.namespace, managers, report.live);
  if (values.length === 0 && handSet.length === 0) return { state: 'in-sync', live: report.live, predicted: report.predicted, clientSide: report.clientSide, namespace: report.namespace };
  return { ...report, values, handSet };
}
