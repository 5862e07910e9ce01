import * as vscode from 'vscode';
import { configTemplate } from '../../server/src/environments/configTemplate';
import type { LanguageClient } from 'vscode-languageclient/node';
import { EnvironmentsChangedNotification, EnvironmentsRequest, PLUMBLINE_CONFIG_FILE, type EnvironmentNode, type EnvironmentsResult } from '../../server/src/protocol';
import { branchDescription, branchTooltip } from './branchState';
import type { PlumblineContext } from './context';

type Resource = EnvironmentNode['resources'][number];
type Undeclared = NonNullable<EnvironmentNode['undeclared']>[number];
type Node =
  | { type: 'cluster'; name: string; units: EnvironmentNode[] }
  | { type: 'env'; env: EnvironmentNode }
  | { type: 'kind'; env: EnvironmentNode; kind: string; resources: Resource[] }
  | { type: 'resource'; resource: Resource; environment: string }
  | { type: 'undeclared'; env: EnvironmentNode }
  | { type: 'undeclared-object'; object: Undeclared };

const ENV_ICON: Record<EnvironmentNode['state'], [string, string | undefined]> = {
  'in-sync': ['pass', 'testing.iconPassed'],
  drifted: ['warning', 'list.warningForeground'],
  missing: ['circle-slash', 'list.warningForeground'],
  unreachable: ['debug-disconnect', 'list.errorForeground'],
  'render-error': ['error', 'list.errorForeground'],
  'not-rendered': ['cloud', undefined],
  'not-checked': ['circle-outline', undefined],
};

// The state a cluster of several units shows: its worst unit's.
const WORST_FIRST: readonly EnvironmentNode['state'][] = ['render-error', 'unreachable', 'drifted', 'missing', 'not-rendered', 'not-checked', 'in-sync'];

/** One line for a cluster's units: how many, and how many are in each state that is not "in sync". */
function rollUp(units: readonly EnvironmentNode[]): string {
  const words: Record<EnvironmentNode['state'], string> = { 'render-error': 'not rendered (error)', unreachable: 'unreachable', drifted: 'drifted', missing: 'not deployed', 'not-rendered': 'from another source', 'not-checked': 'not checked', 'in-sync': 'in sync' };
  const counts = WORST_FIRST.map((state) => [state, units.filter((u) => u.state === state).length] as const).filter(([, n]) => n > 0);
  return `${units.length} units: ${counts.map(([state, n]) => `${n} ${words[state]}`).join(', ')}`;
}

/** Top-level rows: an environment, or a cluster whose several delivery units are environments of their own. */
function topLevel(environments: readonly EnvironmentNode[]): Node[] {
  const rows: Node[] = [];
  const clusters = new Map<string, { type: 'cluster'; name: string; units: EnvironmentNode[] }>();
  for (const env of environments) {
    if (env.cluster === undefined) {
      rows.push({ type: 'env', env });
      continue;
    }
    let row = clusters.get(env.cluster);
    if (row === undefined) {
      row = { type: 'cluster', name: env.cluster, units: [] };
      clusters.set(env.cluster, row);
      rows.push(row);
    }
    row.units.push(env);
  }
  return rows;
}

const RESOURCE_ICON: Record<Resource['state'], [string, string | undefined]> = {
  'in-sync': ['pass', 'testing.iconPassed'],
  drifted: ['warning', 'list.warningForeground'],
  missing: ['circle-slash', 'list.warningForeground'],
  rejected: ['error', 'list.errorForeground'],
  unknown: ['circle-outline', undefined],
};

/**
 * Argo CD's health words as icons, for what is in sync: there the question left is whether it
 * works. Drift's icons say more for the rest, but for Degraded, which is worse than any drift.
 */
const HEALTH_ICON: Record<string, [string, string | undefined]> = {
  Healthy: ['pass', 'testing.iconPassed'],
  Suspended: ['debug-pause', undefined],
  Progressing: ['sync', 'charts.blue'],
  Missing: ['circle-slash', 'list.warningForeground'],
  Degraded: ['error', 'list.errorForeground'],
  Unknown: ['question', 'list.warningForeground'],
};

function resourceIcon(r: Resource): [string, string | undefined] {
  const health = r.health === undefined ? undefined : HEALTH_ICON[r.health.argo];
  if (health !== undefined && (r.state === 'in-sync' || (r.state === 'drifted' && r.health?.argo === 'Degraded'))) return health;
  return RESOURCE_ICON[r.state];
}

function environmentIcon(e: EnvironmentNode): [string, string | undefined] {
  return (e.state === 'in-sync' && e.health !== undefined ? HEALTH_ICON[e.health.worst] : undefined) ?? ENV_ICON[e.state];
}

/** An environment's folders on disk: its paths under the (first) workspace folder. */
function environmentFolders(e: EnvironmentNode): string[] {
  const root = vscode.workspace.workspaceFolders?.[0];
  return root === undefined ? [] : e.paths.map((p) => vscode.Uri.joinPath(root.uri, p.replace(/^\.\//, '').replace(/\/+$/, '')).fsPath);
}

function icon([id, color]: [string, string | undefined]): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color === undefined ? undefined : new vscode.ThemeColor(color));
}

/** The GitOps sidebar: environments with their status, resources grouped by kind. */
export class EnvironmentsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** What the tree shows: the first load, then each refresh's answer once it is complete. */
  private shown: Promise<EnvironmentsResult> | undefined;
  private shownText: string | undefined;
  /** Resources by kind, per environment as last loaded: computed on first expand, not per refresh. */
  private readonly kinds = new WeakMap<EnvironmentNode, Map<string, Resource[]>>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly loaded = new vscode.EventEmitter<EnvironmentNode[]>();
  /** Each answer the tree takes in, whether or not the view is visible (the status bar follows it). */
  readonly onDidLoad = this.loaded.event;
  private readonly serverChanged = new vscode.EventEmitter<void>();
  /**
   * Each time the server says what environments render or compare with changed (files on disk,
   * Git, the cluster, settings) — whether or not the view is shown, and even when the tree it
   * shows stays the same (a value in a file changed).
   */
  readonly onDidChangeOnServer = this.serverChanged.event;
  private latest: EnvironmentNode[] = [];
  private fetching = false;
  private again = false;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The environment whose folder (one of its paths) is `fsPath`, as last loaded. */
  environmentAt(fsPath: string): string | undefined {
    return this.latest.find((e) => environmentFolders(e).includes(fsPath))?.name;
  }

  /** The environments as last loaded, asking the server when nothing is loaded yet. */
  async environments(): Promise<EnvironmentNode[]> {
    return (await this.load()).environments;
  }

  /** Context keys for menus (`plumbline.environmentFolders` for the Explorer) and listeners. */
  private announce(r: EnvironmentsResult): void {
    this.latest = r.environments;
    void vscode.commands.executeCommand('setContext', 'plumbline.environmentsFound', r.environments.length > 0);
    void vscode.commands.executeCommand('setContext', 'plumbline.environmentFolders', r.environments.flatMap(environmentFolders));
    this.loaded.fire(r.environments);
  }

  /** Names of the environments last loaded, for pickers. */
  async environmentNames(): Promise<string[]> {
    return (await this.load()).environments.map((e) => e.name);
  }

  /**
   * Asks the server again and shows the answer once it is complete. Until then the rows stay as
   * they are, so their menus and inline actions keep working (a tree cleared while a big
   * kustomize build runs would hand commands no element). One request at a time: a refresh
   * asked for meanwhile runs after it.
   */
  refresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    const client = this.client();
    if (client === undefined || this.shown === undefined) {
      this.shown = undefined;
      this.shownText = undefined;
      this.changed.fire();
      return;
    }
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = true;
    const next = this.fetch(client);
    void vscode.window.withProgress({ location: { viewId: 'plumbline.environments' } }, () => next);
    void next.then((r) => {
      this.fetching = false;
      // The same answer again (Git touched its index, a status-only update) leaves the rows alone:
      // re-rendering them would close a menu the user has open.
      const text = r === undefined ? undefined : JSON.stringify(r);
      if (r !== undefined && text !== this.shownText) {
        this.shown = Promise.resolve(r);
        this.shownText = text;
        this.announce(r);
        this.changed.fire();
      }
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  /** A refresh after a quiet moment: saves, Git and cluster changes come in bursts. */
  refreshSoon(delayMs = 500): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), delayMs);
  }

  /** Refreshes whenever the server says what the tree shows changed (Git, cluster events); for one client's lifetime. */
  follow(client: LanguageClient): vscode.Disposable {
    const listener = client.onNotification(EnvironmentsChangedNotification, (p: { reason?: string; environments?: string[] }) => {
      this.log.debug(`environments changed (${p.reason ?? 'unknown'}${p.environments !== undefined ? `: ${p.environments.join(', ')}` : ''})`);
      this.refreshSoon();
      this.serverChanged.fire();
    });
    return {
      dispose: () => {
        listener.dispose();
        clearTimeout(this.refreshTimer);
      },
    };
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.changed.dispose();
    this.loaded.dispose();
    this.serverChanged.dispose();
  }

  private byKind(env: EnvironmentNode): Map<string, Resource[]> {
    let kinds = this.kinds.get(env);
    if (kinds === undefined) {
      kinds = new Map();
      for (const r of env.resources) {
        const list = kinds.get(r.kind);
        if (list === undefined) kinds.set(r.kind, [r]);
        else list.push(r);
      }
      this.kinds.set(env, kinds);
    }
    return kinds;
  }

  /** One environments request; undefined when it failed (logged). */
  private fetch(client: LanguageClient): Promise<EnvironmentsResult | undefined> {
    return client.sendRequest(EnvironmentsRequest).then(
      (r) => {
        for (const p of r.problems) this.log.warn(p);
        this.log.info(`environments: ${r.environments.map((e) => `${e.name} (${e.message})`).join(', ') || 'none found'}`);
        return r;
      },
      (error: unknown) => {
        this.log.error(`environments: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      },
    );
  }

  private load(): Promise<EnvironmentsResult> {
    const client = this.client();
    if (client === undefined) return Promise.resolve({ environments: [], problems: [] });
    if (this.shown === undefined) {
      const first = this.fetch(client).then((r) => {
        // A failed first load is asked again next time.
        if (r === undefined) this.shown = undefined;
        else {
          this.shownText = JSON.stringify(r);
          this.announce(r);
        }
        return r ?? { environments: [], problems: [] };
      });
      this.shown = first;
    }
    return this.shown;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node === undefined) {
      const { environments } = await this.load();
      void vscode.commands.executeCommand('setContext', 'plumbline.environmentsFound', environments.length > 0);
      return topLevel(environments);
    }
    if (node.type === 'cluster') return node.units.map((env) => ({ type: 'env', env }));
    if (node.type === 'env') {
      const kinds: Node[] = [...this.byKind(node.env).entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, resources]) => ({ type: 'kind', env: node.env, kind, resources }));
      return (node.env.undeclared?.length ?? 0) > 0 ? [...kinds, { type: 'undeclared', env: node.env }] : kinds;
    }
    if (node.type === 'kind') return node.resources.map((resource) => ({ type: 'resource', resource, environment: node.env.name }));
    if (node.type === 'undeclared') return (node.env.undeclared ?? []).map((object) => ({ type: 'undeclared-object', object }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'cluster') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `cluster:${node.name}`;
      const contexts = [...new Set(node.units.map((u) => u.context).filter((c) => c !== undefined))];
      item.description = `${rollUp(node.units)}${contexts.length > 0 ? ` · ${contexts.join(', ')}` : ''}`;
      item.tooltip = `${node.name}: a cluster whose ${node.units.length} delivery units each render, compare and sync on their own`;
      item.iconPath = icon(ENV_ICON[WORST_FIRST.find((s) => node.units.some((u) => u.state === s)) ?? 'in-sync']);
      item.contextValue = 'cluster';
      return item;
    }
    if (node.type === 'env') {
      const e = node.env;
      // An environment without its own context is compared with the configured one, not the kubeconfig's current one.
      const cluster = e.context ?? (vscode.workspace.getConfiguration('plumbline.cluster').get<string>('context') || "the kubeconfig's current context");
      // A unit under its cluster's row is labelled by its own name (its full name is the tooltip's).
      const item = new vscode.TreeItem(e.unit ?? e.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `env:${e.name}`;
      item.description = `${e.message}${e.health !== undefined ? ` · ${e.health.summary}` : ''} · ${cluster}${branchDescription(e.git, e.gitUnavailable)}${e.protected ? ' · protected' : ''}`;
      item.tooltip = new vscode.MarkdownString(
        `**${e.name}** — ${e.message}${e.health !== undefined ? `\n\n- health: ${e.health.summary}` : ''}\n\n- paths: ${e.paths.join(', ')} (${e.renderer})\n- cluster: ${cluster}${e.namespace !== undefined ? `, namespace ${e.namespace}` : ''}\n- delivery: ${e.delivery}${e.source !== undefined ? `\n- source: ${e.source}` : ''}${e.dependsOn !== undefined ? `\n- depends on: ${e.dependsOn.join(', ')}` : ''}${e.protected ? '\n- protected: changes go through a pull request' : ''}${branchTooltip(e.git, e.gitUnavailable)}\n- found by: ${e.foundBy.join('; ')}`,
      );
      item.iconPath = icon(environmentIcon(e));
      item.contextValue = 'environment';
      return item;
    }
    if (node.type === 'kind') {
      const item = new vscode.TreeItem(node.kind, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `kind:${node.env.name}:${node.kind}`;
      item.description = String(node.resources.length);
      return item;
    }
    if (node.type === 'undeclared') {
      const item = new vscode.TreeItem('in the cluster, not in Git', vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `undeclared:${node.env.name}`;
      item.description = String(node.env.undeclared?.length ?? 0);
      item.iconPath = icon(['cloud', 'list.warningForeground']);
      return item;
    }
    if (node.type === 'undeclared-object') {
      const o = node.object;
      const item = new vscode.TreeItem(`${o.kind}/${o.name}`, vscode.TreeItemCollapsibleState.None);
      item.description = o.namespace ?? '';
      item.tooltip = `${o.kind}/${o.name}${o.namespace !== undefined ? ` in ${o.namespace}` : ''}: managed by ${o.managedBy}, no longer declared in Git`;
      item.contextValue = 'undeclared';
      return item;
    }
    const r = node.resource;
    const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
    const drift = r.state === 'drifted' ? `${r.drifted} field${r.drifted === 1 ? '' : 's'} drifted` : r.state === 'in-sync' ? '' : r.state === 'missing' ? 'not in cluster' : r.state;
    // Health beside drift: in sync but not working is the other half of the answer. Drift only the
    // controller sees (Crossplane's ReconcileForbidden) is named apart: no field of the diff shows it.
    item.description = [drift, r.external !== undefined ? 'external resource drifted' : '', r.state !== 'missing' ? (r.health?.word ?? '') : ''].filter((p) => p !== '').join(' · ');
    item.iconPath = icon(resourceIcon(r));
    // The controller's message is the reason a person needs (what differs, and why it is not corrected).
    item.tooltip = `${r.kind}/${r.name}${r.namespace !== undefined ? ` in ${r.namespace}` : ''}${r.external !== undefined ? `\nexternal resource drifted: ${r.external}` : ''}${r.health !== undefined && r.state !== 'missing' ? `\nhealth: ${r.health.word} — ${r.health.message}` : ''}`;
    // Show Cluster Diff (inline and in the context menu) needs a source line and something in the cluster.
    item.contextValue = r.source !== undefined && (r.state === 'drifted' || r.state === 'in-sync') ? 'resource-in-cluster' : 'resource';
    if (r.source !== undefined) {
      const uri = vscode.Uri.parse(r.source.uri);
      item.resourceUri = uri;
      item.command = { command: 'vscode.open', title: 'Open', arguments: [uri, { selection: new vscode.Range(r.source.line, 0, r.source.line, 0) }] };
    }
    return item;
  }
}

/** Registers the tree, its refresh command, and refreshes it (debounced) on saves; Git and cluster changes come from the server (`follow`). */
export function registerEnvironmentsTree(ctx: PlumblineContext): EnvironmentsTree {
  const tree = new EnvironmentsTree(() => ctx.client, ctx.log);
  ctx.own(vscode.window.createTreeView('plumbline.environments', { treeDataProvider: tree, showCollapseAll: true }));
  ctx.own(vscode.commands.registerCommand('plumbline.refreshEnvironments', () => tree.refresh()));
  ctx.own(
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (d.languageId === 'yaml') tree.refreshSoon(1000);
    }),
  );
  ctx.own(tree);
  ctx.own(
    vscode.commands.registerCommand('plumbline.createConfig', async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (folder === undefined) return;
      const uri = vscode.Uri.joinPath(folder.uri, PLUMBLINE_CONFIG_FILE);
      const exists = await vscode.workspace.fs.stat(uri).then(() => true, () => false);
      if (!exists) {
        const text = configTemplate(await tree.environmentNames());
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      }
      await vscode.window.showTextDocument(uri);
    }),
  );
  return tree;
}
