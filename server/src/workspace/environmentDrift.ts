import { resolve } from 'node:path';
import type { Finding, Severity } from '../manifests/problem';
import { withoutIgnored, type DriftEngine, type DriftReport } from '../drift/engine';
import { applierOf, configMapReader } from '../delivery/status';
import type { ResourceHealth } from '../health/health';
import { argoHealthScripts, customHealthOf } from '../health/luaHealth';
import { anchorOf, driftProblemsAt, driftSummary, reportHealth } from '../drift/findings';
import type { IgnoreRule } from '../drift/ignore';
import { locate } from '../manifests/sourceMap';
import type { Environment } from '../environments/model';
import type { MappedObject, MappedRender } from '../environments/renderMap';
import type { OriginVia } from '../kustomize/fieldOrigin';
import type { ManifestFile } from '../manifests/parse';
import type { KubeObject } from '../cluster/http';
import type { RenderedProblem } from '../environments/renderedValidation';
import type { DriftData, DriftEntry } from './driftEntry';
import { terraformFindings } from './terraformFindings';

export interface EnvironmentDriftInput {
  /** The open file, and its current parse (it may differ from what was rendered until saved). */
  path: string;
  file: ManifestFile;
  environment: Environment;
  render: MappedRender;
  /** Undefined without a cluster: then only the rendered objects' validation is reported. */
  engine: DriftEngine | undefined;
  /** Schema problems of an object as rendered. */
  validate: (object: KubeObject) => RenderedProblem[];
  rules: readonly IgnoreRule[];
  severity: Severity;
  /** Whether Git does not track the file yet ("not in the cluster" is then only a hint); asked only when something is missing. */
  untracked: () => Promise<boolean>;
}

/** Origins whose YAML value is the field's value, so "take the cluster's value" can write it there. */
const VALUE_ORIGINS: ReadonlySet<OriginVia> = new Set(['resource', 'strategic-merge', 'json6902']);

/**
 * Drift of an environment's rendered objects that this file shapes, each finding in this file
 * only when this file declares the field, labelled with the environment's name.
 */
export async function environmentDrift(input: EnvironmentDriftInput): Promise<{ entry?: DriftEntry; findings: Finding[] }[]> {
  const { file, environment, render, engine } = input;
  if (!render.ok) return [];
  const path = resolve(input.path);
  const shaped = render.objects.filter((o) => o.origins.files.has(path));
  // The environment's Application or Kustomization owns its objects: its ignore rules apply even
  // before the live object carries the tracking label (as in the tree).
  const owners = [applierOf(environment)];
  const reports = engine === undefined ? [] : await Promise.all(shaped.map(async (o) => withoutIgnored(await engine.compare(o.identity, o.object), input.rules, o.identity, owners)));
  // An environment none of whose objects is in its cluster was never deployed: the tree says so
  // once ("not deployed: N resources"); a warning on every resource of every file would be noise.
  const someMissing = reports.some((r) => r.state === 'not-in-cluster');
  const neverDeployed = engine !== undefined && someMissing && !(await anyDeployed(engine, render.objects, reports));
  const untracked = someMissing && !neverDeployed && (await input.untracked());
  // The CodeLens says what the sidebar says: an argocd-cm health script decides for its kinds.
  const scripts = engine !== undefined && environment.delivery.kind === 'argocd' ? await argoHealthScripts(configMapReader(engine), environment.delivery.namespace) : undefined;
  const decided = scripts === undefined ? [] : await Promise.all(reports.map((r) => (r.state === 'in-sync' || r.state === 'drifted' ? customHealthOf(scripts, r.live) : Promise.resolve(undefined))));
  return Promise.all(
    shaped.map(async (o, i) => {
      const report = reports[i];
      const drift = report === undefined ? { findings: [] } : objectDrift(input, path, file, environment, o, report, neverDeployed, untracked, decided[i]);
      const terraform = report === undefined ? [] : await objectTerraform(input, path, o, report);
      return { ...drift, findings: [...renderedFindings(input, path, o), ...drift.findings, ...terraform] };
    }),
  );
}

/** Whether any object of the render is in the cluster; the reports already known answer first. */
async function anyDeployed(engine: DriftEngine, objects: readonly MappedObject[], known: readonly DriftReport[]): Promise<boolean> {
  if (known.some((r) => r.state === 'in-sync' || r.state === 'drifted')) return true;
  for (const o of objects) if ((await engine.exists(o.identity)) !== false) return true;
  return false;
}

/**
 * Schema errors of the rendered object in fields this file sets through a JSON 6902 patch, a
 * transformer or a generator. Resource files and strategic-merge patches are validated as files
 * already; these values are only checked once rendered.
 */
function renderedFindings(input: EnvironmentDriftInput, path: string, mapped: MappedObject): Finding[] {
  const out: Finding[] = [];
  for (const problem of input.validate(mapped.object)) {
    const origin = mapped.origins.originOf(problem.path);
    if (origin === undefined || origin.file !== path || origin.via === 'resource' || origin.via === 'strategic-merge') continue;
    const doc = input.file.documents[origin.document];
    const spot = doc === undefined ? undefined : locate(doc.doc, origin.path);
    if (doc === undefined || spot === undefined) continue;
    out.push({ range: input.file.lines.rangeOf(doc.base + spot.start, doc.base + spot.end), severity: problem.severity, code: problem.code, message: `${input.environment.name}: ${problem.message} (as rendered)` });
  }
  return out;
}

/** tofu-controller's findings on a Terraform object this file declares whole, on its name. */
function objectTerraform(input: EnvironmentDriftInput, path: string, mapped: MappedObject, report: DriftReport): Promise<Finding[]> {
  const source = mapped.origins.source?.file === path ? input.file.documents[mapped.origins.source.document] : undefined;
  if (source === undefined) return Promise.resolve([]);
  const anchor = anchorOf(source.doc);
  const at = input.file.lines.rangeOf(source.base + (anchor?.range?.[0] ?? 0), source.base + (anchor?.range?.[1] ?? 0));
  return terraformFindings(report, mapped.identity, input.engine, at, input.environment.name);
}

function objectDrift(input: EnvironmentDriftInput, path: string, file: ManifestFile, environment: Environment, mapped: MappedObject, report: DriftReport, neverDeployed: boolean, untracked: boolean, health: ResourceHealth | undefined): { entry?: DriftEntry; findings: Finding[] } {
  const { identity, origins } = mapped;
  const source = origins.source?.file === path ? file.documents[origins.source.document] : undefined;
  const anchorNode = source === undefined ? null : anchorOf(source.doc);
  const anchor = source === undefined ? undefined : { start: source.base + (anchorNode?.range?.[0] ?? 0), end: source.base + (anchorNode?.range?.[1] ?? 0) };
  const missing = report.state === 'not-in-cluster';
  const problems = neverDeployed && missing ? [] : driftProblemsAt(report, identity, missing && untracked ? 'hint' : input.severity, {
    anchor,
    field: (fieldPath) => {
      const origin = origins.originOf(fieldPath);
      if (origin === undefined) return undefined;
      if (origin.file !== path) return 'elsewhere';
      const doc = file.documents[origin.document];
      const spot = doc === undefined ? undefined : locate(doc.doc, origin.path);
      if (doc === undefined || spot === undefined) return undefined;
      return { ...spot, start: doc.base + spot.start, end: doc.base + spot.end, exact: spot.exact && origin.exact && VALUE_ORIGINS.has(origin.via) };
    },
  });
  const namespace = report.state === 'drifted' || report.state === 'in-sync' || report.state === 'not-in-cluster' ? report.namespace : identity.namespace;
  const findings: Finding[] = problems.map((p) => ({
    range: file.lines.rangeOf(p.start, p.end),
    severity: p.severity,
    code: p.code,
    message: `${environment.name}: ${p.message}${missing && untracked ? ' (a new file Git does not track yet)' : ''}`,
    data: {
      kind: identity.kind,
      name: identity.name ?? '',
      namespace,
      path: p.path,
      exact: p.exact,
      ...(p.liveValue !== undefined ? { liveValue: p.liveValue } : {}),
      ...(report.state === 'drifted' ? { appliedAs: report.appliedAs.who } : {}),
    } satisfies DriftData,
  }));
  const lensDoc = source ?? file.documents[origins.documentsIn(path)[0] ?? 0] ?? file.documents[0];
  const [start = 0, , end = start] = lensDoc?.doc.range ?? [];
  const base = lensDoc?.base ?? 0;
  const summary = neverDeployed && missing ? '$(circle-slash) environment not deployed' : driftSummary(report, health);
  const judged = reportHealth(report, health);
  return { entry: { range: file.lines.rangeOf(base + start, base + end), identity, report, summary: `${environment.name}: ${summary}`, environment: environment.name, ...(judged !== undefined ? { health: judged } : {}) }, findings };
}
