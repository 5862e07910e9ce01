import { isMap, type Document, type Node } from 'yaml';
import type { Problem, Severity } from '../manifests/problem';
import type { ResourceIdentity } from '../manifests/identity';
import { FIELD_MANAGER, type DriftReport } from './engine';
import { formatPath, leafOf, valueAt, type FieldPath } from '../manifests/fieldPath';
import { isSecretField, maskAt } from './mask';
import { locate, type SourceSpot } from '../manifests/sourceMap';
import { healthOf, type ResourceHealth } from '../health/health';
import { crossplaneDrift } from '../health/crossplane';
import type { KubeObject } from '../manifests/kubeObject';

/** A drift finding with what quick fixes and hovers need besides the message. */
export interface DriftProblem extends Problem {
  path: FieldPath;
  /** The live value, masked for Secrets: what "take the cluster's value" writes into Git. */
  liveValue?: unknown;
  exact: boolean;
}

function show(kind: string, path: FieldPath, value: unknown): string {
  if (value === undefined) return '(absent)';
  const shown = maskAt(kind, path, value);
  const text = typeof shown === 'string' ? shown : JSON.stringify(shown);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function when(time: string | undefined): string {
  if (time === undefined) return '';
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? '' : ` at ${d.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

/** The node that stands for a whole resource in messages: its name, else its kind. */
export function anchorOf(doc: Document): Node | null {
  const root = doc.contents;
  if (!isMap(root)) return null;
  const name = root.getIn(['metadata', 'name'], true) as Node | undefined;
  return name ?? (root.get('kind', true) as Node | undefined) ?? null;
}

/** Where Git declares a field; a Secret's `data.KEY` may be declared as `stringData.KEY`. */
function locateDeclared(doc: Document, identity: ResourceIdentity, path: FieldPath): ReturnType<typeof locate> {
  const spot = locate(doc, path);
  if (spot?.exact !== true && identity.kind === 'Secret' && path[0] === 'data') {
    const fromStringData = locate(doc, ['stringData', ...path.slice(1)]);
    // Declared as stringData, or nearest there when Git writes this Secret's keys only as stringData.
    if (fromStringData !== undefined && (fromStringData.exact || spot === undefined || fromStringData.depth > spot.depth)) return fromStringData;
  }
  return spot;
}

/** Where a report's findings go: a field's spot, or `elsewhere` when another file declares it. */
export interface Placement {
  /** Where Git declares a field whose value drifts (`value`) or that only the cluster has (`hand`). */
  field(path: FieldPath, kind: 'value' | 'hand'): SourceSpot | 'elsewhere' | undefined;
  /** Where findings about the whole resource go; undefined when they belong to another file. */
  anchor: { start: number; end: number } | undefined;
}

/**
 * Diagnostics for one document's drift report, placed on the Git field that declares each
 * difference. `doc` may be a function that gives the tree: then it is built only when a
 * finding is placed (most objects are in sync and have none).
 */
export function driftProblems(report: DriftReport, doc: Document | (() => Document), identity: ResourceIdentity, severity: Severity): DriftProblem[] {
  const tree = typeof doc === 'function' ? doc : (): Document => doc;
  return driftProblemsAt(report, identity, severity, {
    field: (path) => locateDeclared(tree(), identity, path),
    // Looked up only when a finding needs it: most objects are in sync and have none.
    get anchor() {
      const anchor = anchorOf(tree());
      return { start: anchor?.range?.[0] ?? 0, end: anchor?.range?.[1] ?? 0 };
    },
  });
}

/** Diagnostics for a drift report, each where `place` says its field is declared. */
export function driftProblemsAt(report: DriftReport, identity: ResourceIdentity, severity: Severity, place: Placement): DriftProblem[] {
  // Only read for a finding (an in-sync object has none): reading it may parse the document's tree.
  let anchorRead = false;
  let anchorAt: { start: number; end: number } | undefined;
  const anchorOfReport = (): { start: number; end: number } | undefined => {
    if (!anchorRead) {
      anchorAt = place.anchor;
      anchorRead = true;
    }
    return anchorAt;
  };
  const spotOf = (path: FieldPath, kind: 'value' | 'hand'): { start: number; end: number; exact: boolean } | undefined => {
    const spot = place.field(path, kind);
    if (spot === 'elsewhere') return undefined;
    if (spot !== undefined) return spot;
    const anchor = anchorOfReport();
    return anchor === undefined ? undefined : { ...anchor, exact: false };
  };
  switch (report.state) {
    case 'in-sync':
      return externalDrift(report.live, identity, severity, place);
    case 'unavailable':
      return [];
    case 'not-in-cluster': {
      const anchor = anchorOfReport();
      if (anchor === undefined) return [];
      const where = report.namespace === undefined ? '' : ` in namespace ${report.namespace}`;
      return [{ ...anchor, severity, code: 'drift.not-in-cluster', message: `${identity.kind}/${identity.name ?? ''} is declared in Git but not in the cluster${where}`, path: [], exact: false }];
    }
    case 'rejected': {
      // At the field the server named, when Git declares it here; else on the resource.
      const spot = report.path === undefined ? undefined : place.field(report.path, 'value');
      const at = spot !== undefined && spot !== 'elsewhere' ? { start: spot.start, end: spot.end } : anchorOfReport();
      if (at === undefined) return [];
      return [{ ...at, severity: 'error', code: 'drift.rejected', message: `the cluster would reject this ${identity.kind}: ${report.message}`, path: report.path ?? [], exact: false }];
    }
    case 'drifted': {
      const out: DriftProblem[] = [];
      const suffix = report.clientSide ? ' (client-side comparison: no permission to dry-run)' : '';
      for (const d of report.values) {
        const spot = spotOf(d.path, 'value');
        if (spot === undefined) continue;
        const field = formatPath(d.path);
        const leaf = leafOf(d.path);
        const by = d.writer === undefined ? '' : ` (set by ${d.writer.manager}${when(d.writer.time)})`;
        const message =
          d.desired === undefined
            ? report.appliedAs.manager === FIELD_MANAGER && !report.appliedAs.threeWay
              ? `cluster has ${field}: ${show(identity.kind, d.path, d.live)}, which applying Git removes${by}`
              : `Git no longer declares ${field} (cluster has ${show(identity.kind, d.path, d.live)}); the next apply by ${report.appliedAs.who} removes it${d.writer?.manager === report.appliedAs.manager ? '' : by}`
            : d.live === undefined
              ? `cluster lacks ${field}; Git declares ${show(identity.kind, d.path, d.desired)}`
              : `cluster has ${leaf}: ${show(identity.kind, d.path, d.live)}, Git declares ${show(identity.kind, d.path, d.desired)}${by}`;
        out.push({
          start: spot.start,
          end: spot.end,
          severity,
          code: 'drift.value',
          message: message + suffix,
          path: d.path,
          ...(isSecretField(identity.kind, d.path) ? {} : { liveValue: d.live }),
          exact: spot.exact,
        });
      }
      for (const h of report.handSet) {
        const spot = spotOf(h.path, 'hand');
        if (spot === undefined) continue;
        out.push({
          start: spot.start,
          end: spot.end,
          severity,
          code: 'drift.set-by-hand',
          message: `${formatPath(h.path)} set in the cluster by ${h.manager}${when(h.time)}, not in Git`,
          path: h.path,
          // What "Take it into Git" writes and the hover shows; never a Secret's value.
          ...(isSecretField(identity.kind, h.path) ? {} : { liveValue: valueAt(report.live, h.path) }),
          exact: false,
        });
      }
      return [...out, ...externalDrift(report.live, identity, severity, place)];
    }
  }
}

/**
 * Crossplane's word that the external resource differs from the spec and may not be updated
 * (Synced=False, ReconcileForbidden): on `spec.forProvider` where this file declares it, else on the object.
 */
function externalDrift(live: KubeObject, identity: ResourceIdentity, severity: Severity, place: Placement): DriftProblem[] {
  const message = crossplaneDrift(live);
  if (message === undefined) return [];
  const spot = place.field(['spec', 'forProvider'], 'value');
  const at = spot !== undefined && spot !== 'elsewhere' && spot.exact ? spot : place.anchor;
  if (at === undefined) return [];
  return [{ start: at.start, end: at.end, severity, code: 'drift.external', message: `${identity.kind}/${identity.name ?? ''}: the external resource differs from Git and Crossplane may not update it (ReconcileForbidden): ${message}`, path: ['spec', 'forProvider'], exact: false }];
}

/**
 * Health by the applier's rules, once per report: a file's drift asks for it for the summary and
 * again for the entry, for every object compared. A report's live object is a snapshot that no
 * one changes, so its health does not change either.
 */
const healthOfReport = new WeakMap<DriftReport, ResourceHealth | undefined>();

/** A compared object's health, in its applier's words; `decided`: what the unit's own rules (an argocd-cm script) said. */
export function reportHealth(report: DriftReport, decided?: ResourceHealth): ResourceHealth | undefined {
  if (report.state !== 'in-sync' && report.state !== 'drifted') return undefined;
  if (decided !== undefined) return decided;
  if (healthOfReport.has(report)) return healthOfReport.get(report);
  const health = healthOf(report.live, /^(Argo CD|argocd)/.test(report.appliedAs.who) ? 'argocd' : 'kstatus');
  healthOfReport.set(report, health);
  return health;
}

/** " · Progressing: Available: 2/3" after the drift words when the object is not healthy; nothing when it is (the lens stays short). */
function healthWords(report: DriftReport, decided: ResourceHealth | undefined): string {
  const health = reportHealth(report, decided);
  return health === undefined || health.argo === 'Healthy' ? '' : ` · ${health.word}: ${health.message}`;
}

/** The CodeLens title above a resource; `health`: what the unit's own rules (an argocd-cm health script) decided, where they decide. */
export function driftSummary(report: DriftReport, health?: ResourceHealth): string {
  switch (report.state) {
    case 'in-sync':
      if (crossplaneDrift(report.live) !== undefined) return `$(warning) external resource drifted (Crossplane may not update it)${healthWords(report, health)}`;
      return `${report.clientSide ? '$(check) in sync (client-side comparison)' : '$(check) in sync'}${healthWords(report, health)}`;
    case 'drifted': {
      const n = report.values.length + report.handSet.length;
      return `$(warning) ${n} field${n === 1 ? '' : 's'} drifted${report.clientSide ? ' (client-side comparison)' : ''}${healthWords(report, health)}`;
    }
    case 'not-in-cluster':
      return '$(circle-slash) not in cluster';
    case 'rejected':
      return '$(error) rejected by the cluster';
    case 'unavailable':
      // A reachable cluster that refuses these credentials is not "unreachable": say what to fix.
      if (report.error.kind === 'forbidden') return '$(lock) no permission to read it in the cluster';
      if (report.error.kind === 'unauthorized') return '$(lock) the cluster does not accept these credentials';
      return report.error.kind === 'not-found' ? '$(question) kind not served by the cluster' : '$(debug-disconnect) cluster unreachable';
  }
}
