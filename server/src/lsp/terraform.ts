import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Connection } from 'vscode-languageserver/node';
import { discoverEnvironments } from '../environments/discover';
import { isTerraform } from '../health/terraform';
import { Commands, TerraformPlanRequest, type PlumblineSettings, type TerraformPlanParams, type TerraformPlanResult } from '../protocol';
import { approvePlanEdit } from '../terraform/approvePlan';
import { readStoredPlan } from '../terraform/storedPlan';
import { clusterTargetOf, type ClusterRegistry } from '../workspace/clusters';
import { renderOptionsOf } from '../workspace/settings';
import type { TerraformData } from '../workspace/terraformFindings';
import type { DriftState } from './driftState';

export interface TerraformDeps {
  root: () => string | undefined;
  settings: () => PlumblineSettings;
  trusted: () => boolean;
  clusters: ClusterRegistry;
  drift: () => DriftState | undefined;
}

/** Serves `plumbline/terraformPlan`: the stored plan of the Terraform object at a line, from that object's cluster. */
export function registerTerraform(connection: Connection, deps: TerraformDeps): void {
  connection.onRequest(TerraformPlanRequest, async (params: TerraformPlanParams): Promise<TerraformPlanResult> => {
    if (!deps.trusted()) return { ok: false, message: 'reading the cluster needs a trusted workspace' };
    const here = (deps.drift()?.entries(params.uri) ?? []).filter((e) => isTerraform(e.identity.apiVersion, e.identity.kind) && e.range.start.line <= params.line && params.line <= e.range.end.line);
    const entry = here[0];
    if (entry === undefined) return { ok: false, message: 'no Terraform object with live status here yet (is the cluster reachable?)' };
    const report = entry.report;
    if (report.state !== 'in-sync' && report.state !== 'drifted') return { ok: false, message: `${entry.identity.kind}/${entry.identity.name ?? ''} is not in the cluster` };
    const settings = deps.settings();
    // The environment that renders it names its cluster; a file of no environment uses the settings' cluster.
    const root = deps.root();
    const env = entry.environment === undefined || root === undefined ? undefined : (await discoverEnvironments(root, renderOptionsOf(settings, true))).environments.find((e) => e.name === entry.environment);
    const engine = await deps.clusters.engine(clusterTargetOf(settings.cluster, env));
    if (!engine.ok) return { ok: false, message: engine.error.message };
    const started = Date.now();
    const plan = await readStoredPlan(engine.value.client, report.namespace ?? engine.value.client.namespace, entry.identity.name ?? '');
    connection.console.info(`terraform plan of ${entry.identity.name ?? ''}: ${plan.ok ? `${plan.value.from}, ${plan.value.text.length} characters` : plan.error.message} in ${Date.now() - started} ms`);
    return plan.ok ? { ok: true, title: plan.value.title, text: plan.value.text, planId: plan.value.pendingId } : { ok: false, message: plan.error.message };
  });
}

/** Code actions on tofu-controller's findings: show the stored plan, and approve it in Git (then Commit and Sync). */
export function terraformActions(params: CodeActionParams, document: TextDocument | undefined): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    const code = String(diagnostic.code ?? '');
    const data = diagnostic.data as Partial<TerraformData> | undefined;
    if (!code.startsWith('terraform.') || data?.terraform !== true) continue;
    const planId = data.planId;
    if (planId === undefined) continue;
    actions.push({
      title: `Show plan ${planId}`,
      kind: CodeActionKind.Empty,
      diagnostics: [diagnostic],
      command: { title: `Show plan ${planId}`, command: Commands.showTerraformPlan, arguments: [{ uri: params.textDocument.uri, line: diagnostic.range.start.line } satisfies TerraformPlanParams] },
    });
    if (document === undefined) continue;
    const edit = approvePlanEdit(document.getText(), document.offsetAt(diagnostic.range.start), planId);
    if (edit === undefined) continue;
    actions.push({
      title: `Approve plan ${planId} (writes spec.approvePlan, then Commit and Sync)`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [params.textDocument.uri]: [{ range: { start: document.positionAt(edit.start), end: document.positionAt(edit.end) }, newText: edit.newText }] } },
      command: { title: 'Commit and Sync', command: Commands.commitApprovedPlan, arguments: [params.textDocument.uri] },
    });
  }
  return actions;
}
