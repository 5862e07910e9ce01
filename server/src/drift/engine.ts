import { createHash } from 'node:crypto';
import { freshCreateBody } from './freshCreate';
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
import { DEFAULT_MANUAL_MANAGERS, handSetFields, hasManualEntries, ownedBy, pathToken, writerOf, type HandSetField } from './managedFields';
import { normalize } from './normalize';
import { declaredPaths, defaultsOfClientSideApply, predictClientSide, sameQuantity } from './clientSide';
import { appliersOf, ENVIRONMENT_MARK, TRACKING_ANNOTATIONS, TRACKING_LABELS, type Applier } from './appliers';
import { applyIgnoreRules, type IgnoreRule } from './ignore';
import { fieldOfRejection, refusedForContent } from './rejection';
import { provenNoOp } from './proof';
import { applyAsFor, droppedSinceLastApply, lastApplied, withoutField, type ApplyAs } from './applyAs';
import { HelmReleases } from './helmRelease';

export const FIELD_MANAGER = 'plumbline';

export interface ValueDrift extends FieldDiff {
  /** Who last wrote the live value, when managedFields say. */
  writer: { manager: string; time: string | undefined } | undefined;
}

/** What comparing one Git document with its cluster found. */
export type DriftReport =
  | { state: 'in-sync'; live: KubeObject; predicted: KubeObject; clientSide: boolean; namespace: string | undefined; appliedAs: ApplyAs }
  | { state: 'drifted'; live: KubeObject; predicted: KubeObject; values: ValueDrift[]; handSet: HandSetField[]; clientSide: boolean; namespace: string | undefined; appliedAs: ApplyAs }
  | { state: 'not-in-cluster'; namespace: string | undefined }
  /** The cluster refused the object (422/400): applying Git would fail. */
  | { state: 'rejected'; message: string; /** The field the server named, when it named one. */ path?: FieldPath; /** The object the cluster holds, when it holds one. */ live?: KubeObject }
  | { state: 'unavailable'; error: ClusterError };

export interface DriftOptions {
  manualManagers: readonly string[];
  concurrency: number;
  /** Merge keys for lists, from the schema; guessed when undefined. */
  listKeys?: (identity: ResourceIdentity) => ListKeys | undefined;
  /** Skip the dry-run when managedFields prove the apply a no-op (PLUMBLINE_DRIFT_PROOF=0 turns it off, to check it). */
  proof: boolean;
  /** Keep live objects current by watches (the editor); false for one answer from one LIST snapshot (the CLI). */
  watch: boolean;
}

const DEFAULTS: DriftOptions = { manualManagers: DEFAULT_MANUAL_MANAGERS, concurrency: 16, proof: process.env['PLUMBLINE_DRIFT_PROOF'] !== '0', watch: true };

/**
 * Compares Git documents with the live cluster: what the cluster would hold after applying the
 * document (a server-side apply dry-run) against what it holds, field by field.
 */
export class DriftEngine {
  readonly live: LiveStore | undefined;
  private readonly limiter: Limiter;
  private readonly predictions = new Map<string, KubeObject>();
  private readonly options: DriftOptions;
  private readonly helmReleases: HelmReleases;
  /** Objects answered by proof and by a dry-run, for benchmarks and logs. */
  readonly stats = { proven: 0, dryRun: 0 };

  private constructor(
    readonly client: ClusterClient,
    readonly discovery: Discovery,
    options: Partial<DriftOptions>,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.limiter = new Limiter(this.options.concurrency);
    this.live = new LiveStore(client, this.options.watch);
    this.helmReleases = new HelmReleases(client);
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

  /**
   * Starts the LIST that comparing objects of this kind in this namespace will read, before their
   * documents are parsed (`plumbline diff` reads every file first). A guess: failures are left
   * to the comparison, which asks again.
   */
  prefetch(group: string, version: string, kind: string, namespace: string | undefined): void {
    void this.discovery.resource(group, version, kind).then((info) => {
      if (info.ok) void this.live!.list(info.value, info.value.namespaced ? (namespace ?? this.client.namespace) : undefined);
    });
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
    // Appliers mark what they apply (Flux's labels, Argo CD's tracking, a direct sync's mark) on
    // each apply: the prediction keeps those marks, or applying as the applier would drop them.
    desired = withTrackingMarks(desired, live.value);
    // Applied as the next apply will be: fields its applier applied and Git dropped are removed.
    const appliedAs = applyAsFor(live.value);
    const manager = appliedAs.manager;
    const listKeys = this.options.listKeys?.(identity);
    // What managedFields prove needs no question to the server: the dry-run would answer the live object.
    const proven = this.options.proof && !appliedAs.threeWay && provenNoOp(live.value, desired, manager, listKeys ?? (() => undefined));
    if (proven) this.stats.proven++;
    else this.stats.dryRun++;
    const predicted: Result<KubeObject> = proven ? { ok: true, value: live.value } : await this.predict(info.value, namespace, identity.name, desired, live.value, manager);
    let clientSide = false;
    let predictedObject: KubeObject;
    if (predicted.ok) {
      // The original of the three-way merge: what Helm last deployed, or what kubectl last applied.
      const sent = !appliedAs.threeWay ? undefined : appliedAs.helmStorage !== undefined ? await this.helmReleases.lastDeployed(live.value, appliedAs.helmStorage) : lastApplied(live.value);
      predictedObject = sent !== undefined ? withoutDropped(predicted.value, sent, desired, listKeys ?? (() => undefined)) : predicted.value;
    }
    else if (refusedForContent(predicted.error)) {
      const path = fieldOfRejection(predicted.error.message);
      return { state: 'rejected', message: predicted.error.message, ...(path !== undefined ? { path } : {}), live: live.value };
    }
    else if (predicted.error.kind === 'forbidden') {
      // Without permission to dry-run, overlay Git on the live object: less exact (no defaults), but still useful.
      clientSide = true;
      predictedObject = predictClientSide(live.value, desired, listKeys ?? (() => undefined), ownedBy(live.value, manager));
    } else return { state: 'unavailable', error: predicted.error };

    // Quantities by value: `1Gi` live and `1073741824` from Git are one value, and applying changes nothing.
    // (A proven no-op predicts the live object itself: nothing to compare.)
    const values: ValueDrift[] = proven
      ? []
      : diffObjects(normalize(predictedObject), normalize(live.value), listKeys)
          .filter((d) => !sameQuantity(d.path, d.desired, d.live))
          .map((d) => ({ ...d, writer: writerOf(live.value!, d.path, FIELD_MANAGER) }));
    // Fields set by hand are looked for only where a manual manager wrote something.
    if (proven && !hasManualEntries(live.value, this.options.manualManagers)) return { state: 'in-sync', live: live.value, predicted: predictedObject, clientSide, namespace, appliedAs };
    const declared = clientSide ? declaredPaths(desired, listKeys ?? (() => undefined)) : ownedBy(predictedObject, manager);
    // Git always declares metadata (name, namespace), which managedFields never list: a field
    // someone adds under it is named from metadata down (`metadata.annotations["…"]`).
    declared.add(pathToken(['metadata']));
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
          const defaultValue = valueAt(fresh.value, path);
          return value !== undefined && (isDeepStrictEqual(value, defaultValue) || sameQuantity(path, value, defaultValue));
        };
        handSet = handSetFields(live.value, declared, this.options.manualManagers, (path) => explained(path) || defaulted(path));
      }
    }
    if (values.length === 0 && handSet.length === 0) return { state: 'in-sync', live: live.value, predicted: predictedObject, clientSide, namespace, appliedAs };
    return { state: 'drifted', live: live.value, predicted: predictedObject, values, handSet, clientSide, namespace, appliedAs };
  }

  /** Server-side apply dry-run of the Git object, cached by its content and the live resourceVersion. */
  private async predict(info: ResourceInfo, namespace: string | undefined, name: string, desired: Record<string, unknown>, live: KubeObject, manager: string): Promise<Result<KubeObject>> {
    const body = JSON.stringify(desired);
    const key = `${Discovery.path(info, namespace, name)}|${manager}|${live.metadata?.resourceVersion ?? ''}|${createHash('sha256').update(body).digest('hex')}`;
    const cached = this.predictions.get(key);
    if (cached !== undefined) return { ok: true, value: cached };
    const result = await this.limiter.run(() =>
      this.client.request<KubeObject>(Discovery.path(info, namespace, name), {
        method: 'PATCH',
        query: { dryRun: 'All', fieldManager: manager, force: 'true' },
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
    const body = freshCreateBody(desired, name);
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

/** The dry-run's answer less what kubectl's three-way merge deletes: fields the last apply sent and Git dropped. */
function withoutDropped(predicted: KubeObject, sent: Record<string, unknown>, desired: Record<string, unknown>, listKeys: ListKeys): KubeObject {
  let out = predicted;
  for (const path of droppedSinceLastApply(sent, desired, listKeys)) out = withoutField(out, path);
  return out;
}

/** Git's object with the tracking labels and annotations its applier adds on every apply, taken from the live object. */
function withTrackingMarks(object: Record<string, unknown>, live: KubeObject): Record<string, unknown> {
  const liveLabels = live.metadata?.labels ?? {};
  const liveAnnotations = live.metadata?.annotations ?? {};
  const labels = Object.fromEntries(TRACKING_LABELS.filter((k) => liveLabels[k] !== undefined).map((k) => [k, liveLabels[k]!]));
  const annotations = Object.fromEntries(TRACKING_ANNOTATIONS.filter((k) => liveAnnotations[k] !== undefined).map((k) => [k, liveAnnotations[k]!]));
  if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return object;
  const metadata = (object['metadata'] ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
  return {
    ...object,
    metadata: {
      ...metadata,
      // What Git declares itself wins: only marks Git leaves out are added.
      ...(Object.keys(labels).length > 0 ? { labels: { ...labels, ...metadata.labels } } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations, ...metadata.annotations } } : {}),
    },
  };
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
  if (values.length === 0 && handSet.length === 0) return { state: 'in-sync', live: report.live, predicted: report.predicted, clientSide: report.clientSide, namespace: report.namespace, appliedAs: report.appliedAs };
  return { ...report, values, handSet };
}
