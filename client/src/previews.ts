import * as vscode from 'vscode';
import { PreviewRequest, type PreviewChange, type PreviewParams, type PreviewResponse } from '../../server/src/protocol';
import type { PlumblineContext } from './context';
import type { EnvironmentsTree } from './environmentsTree';

const SCHEME = 'plumbline-preview';
/** How many previews keep their documents; older ones are dropped so memory stays bounded. */
const KEPT_RUNS = 5;

type Change = PreviewChange & { environment: string };
type Ok = Extract<PreviewResponse, { ok: true }>;

/** Read-only YAML documents for both sides of every previewed resource; contents come from the server. */
class PreviewDocuments implements vscode.TextDocumentContentProvider {
  private readonly runs: Map<string, string>[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  /** Starts a new preview run; documents of old runs are forgotten. */
  run(): Map<string, string> {
    const run = new Map<string, string>();
    this.runs.push(run);
    while (this.runs.length > KEPT_RUNS) this.runs.shift();
    return run;
  }

  set(run: Map<string, string>, uri: vscode.Uri, text: string): void {
    run.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const key = uri.toString();
    for (const run of this.runs) {
      const text = run.get(key);
      if (text !== undefined) return text;
    }
    return '# this preview is no longer available: run the command again\n';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const ICON: Record<PreviewChange['change'], string> = { added: '$(diff-added)', removed: '$(diff-removed)', changed: '$(diff-modified)' };

function label(c: Change): string {
  return `${c.kind}/${c.name}`;
}

/** Shows a preview: one resource as a diff editor, several as a list (or VS Code's multi-diff editor). */
/**
 * The title of a whole preview. A promotion's title already says which way it goes
 * ("Promote staging → prod"); adding "prod ↔ staging" after it read backwards.
 */
function overallTitle(result: { title: string; left: string; right: string }): string {
  return result.title.includes('→') ? result.title : `${result.title}: ${result.left} ↔ ${result.right}`;
}

/** Text of a preview side that no longer differs after a refresh. */
const GONE = '# no longer part of this preview: Git or the cluster changed since it was computed\n';

class PreviewPresenter {
  private runs = 0;
  /** The newest preview shown, so it can be computed again when what it compares changes. */
  private latest: { params: PreviewParams; id: number; run: Map<string, string>; rights: Set<string> } | undefined;
  constructor(
    private readonly docs: PreviewDocuments,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The newest preview's request, while one of its documents is still open in an editor. */
  openPreview(): PreviewParams | undefined {
    const latest = this.latest;
    if (latest === undefined) return undefined;
    const open = vscode.workspace.textDocuments.some((d) => d.uri.scheme === SCHEME && d.uri.query.startsWith(`run=${latest.id}&`));
    return open ? latest.params : undefined;
  }

  /**
   * Rewrites the open preview's documents from a new result of the same request, so diff
   * editors already open show what is true now (VS Code re-reads them on the change event).
   */
  refresh(params: PreviewParams, result: Ok): number {
    const latest = this.latest;
    if (latest === undefined || latest.params !== params) return 0;
    const before = new Set(latest.run.keys());
    const changes: Change[] = result.environments.flatMap((e) => e.changes.map((c) => ({ ...c, environment: e.environment })));
    for (const c of changes) {
      const { left, right } = this.sidesOf(latest.id, result, c);
      this.docs.set(latest.run, left, c.before);
      this.docs.set(latest.run, right, c.after);
      latest.rights.add(right.toString());
      before.delete(left.toString());
      before.delete(right.toString());
    }
    // The right side says so; the left keeps what it showed, so the diff reads as "this is gone".
    for (const gone of before) if (latest.rights.has(gone)) this.docs.set(latest.run, vscode.Uri.parse(gone), GONE);
    return changes.length;
  }

  private sidesOf(id: number, result: Ok, c: Change): { left: vscode.Uri; right: vscode.Uri; title: string } {
    const uriOf = (side: string): vscode.Uri =>
      // Both sides at one path (the side and the run in the query): a side in the path made the
      // multi-diff editor show every change as a rename between two internal paths.
      vscode.Uri.from({ scheme: SCHEME, path: `/${encodeURIComponent(c.environment)}/${c.kind}/${c.namespace ?? '_'}/${c.name}.yaml`, query: `run=${id}&side=${encodeURIComponent(side)}` });
    const where = result.environments.length > 1 || c.environment !== result.left ? ` (${c.environment})` : '';
    return { left: uriOf(result.left), right: uriOf(result.right), title: `${label(c)}${where}: ${result.left} ↔ ${result.right}${c.change === 'changed' ? '' : ` — ${c.change}`}` };
  }

  /** Shows the preview; says what it showed (for the log and for tests). */
  async show(params: PreviewParams, result: Ok): Promise<string> {
    const run = this.docs.run();
    const id = ++this.runs;
    const rights = new Set<string>();
    this.latest = { params, id, run, rights };
    const sides = (c: Change): { left: vscode.Uri; right: vscode.Uri; title: string } => {
      const found = this.sidesOf(id, result, c);
      rights.add(found.right.toString());
      this.docs.set(run, found.left, c.before);
      this.docs.set(run, found.right, c.after);
      return found;
    };
    const open = async (c: Change, preserveFocus = false): Promise<void> => {
      const { left, right, title } = sides(c);
      await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true, preserveFocus });
    };

    for (const note of result.notes) this.log.info(`${result.title}: ${note}`);
    const broken = result.environments.filter((e) => e.state === 'error');
    for (const e of broken) this.log.warn(`${result.title}: ${e.environment}: ${e.message}`);
    if (broken.length > 0) void vscode.window.showWarningMessage(`Plumbline: ${broken.map((e) => `${e.environment} could not be rendered: ${e.message}`).join('; ')}`);
    const changes: Change[] = result.environments.flatMap((e) => e.changes.map((c) => ({ ...c, environment: e.environment })));
    this.log.info(`${result.title}: ${changes.length} change(s) — ${result.environments.map((e) => `${e.environment}: ${e.message}`).join(', ')}`);

    if (changes.length === 0) {
      if (broken.length === result.environments.length) return 'render errors';
      const checked = result.environments.filter((e) => e.state === 'ok');
      const unchanged = checked.reduce((n, e) => n + e.unchanged, 0);
      const rendered = checked.filter((e) => e.inputsUnchanged !== true);
      const skipped = checked.length - rendered.length;
      const compared = rendered.length > 0 ? `${unchanged} resource(s) in ${rendered.map((e) => e.environment).join(', ')} compared` : '';
      // Environments whose files did not change are not rendered (see previewGit): said, not counted as resources.
      const notRendered = skipped > 0 ? `${skipped} environment(s) not rendered: nothing they read changed` : '';
      void vscode.window.showInformationMessage(`${result.title}: nothing changed (${[compared, notRendered].filter((t) => t !== '').join('; ')}).`);
      return 'nothing changed';
    }
    if (changes.length === 1) {
      await open(changes[0]!);
      return `diff of ${label(changes[0]!)}`;
    }

    type Item = vscode.QuickPickItem & { change?: Change; all?: true };
    const items: Item[] = [{ label: `$(diff-multiple) Open all ${changes.length} changes in one editor`, all: true }];
    for (const e of result.environments) {
      if (e.changes.length === 0 && e.state === 'ok') continue;
      items.push({ label: `${e.environment} — ${e.message}`, kind: vscode.QuickPickItemKind.Separator });
      for (const c of changes.filter((x) => x.environment === e.environment)) {
        items.push({ label: `${ICON[c.change]} ${label(c)}`, description: c.change, ...(c.namespace !== undefined ? { detail: `namespace ${c.namespace}` } : {}), change: c });
      }
    }
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = overallTitle(result);
    pick.placeholder = `${changes.length} resources changed — pick one to see its diff (Esc closes)`;
    pick.items = items;
    pick.matchOnDescription = true;
    // Stays open while diffs open beside it, so the user can walk the list.
    pick.ignoreFocusOut = true;
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0];
      if (chosen?.all === true) {
        pick.hide();
        const resources = changes.map((c) => {
          const { left, right } = sides(c);
          return [c.change === 'removed' ? left : right, c.change === 'added' ? undefined : left, c.change === 'removed' ? undefined : right];
        });
        void vscode.commands.executeCommand('vscode.changes', overallTitle(result), resources).then(undefined, (error: unknown) => this.log.error(`multi-diff editor: ${String(error)}`));
      } else if (chosen?.change !== undefined) {
        void open(chosen.change, true).then(undefined, (error: unknown) => this.log.error(`diff: ${String(error)}`));
      }
    });
    pick.onDidHide(() => pick.dispose());
    pick.show();
    return `list of ${changes.length} changes`;
  }
}

/** The Git, cluster and promotion previews: commands, progress, messages. */
export function registerPreviews(ctx: PlumblineContext, tree: EnvironmentsTree): void {
  const docs = ctx.own(new PreviewDocuments());
  ctx.own(vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs));
  const presenter = new PreviewPresenter(docs, ctx.log);

  const request = async (params: PreviewParams, title: string): Promise<string> => {
    const running = ctx.runningClient();
    if (running === undefined) return 'failed: the language server is not running';
    let cancelled = false;
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
      token.onCancellationRequested(() => (cancelled = true));
      return running.sendRequest(PreviewRequest, params, token).then(
        (r) => r,
        (error: unknown): PreviewResponse => ({ ok: false, kind: 'error', message: error instanceof Error ? error.message : String(error) }),
      );
    });
    if (cancelled) return 'cancelled';
    if (!result.ok) {
      ctx.log.warn(`${title}: ${result.kind}: ${result.message}`);
      const show = result.kind === 'render-error' || result.kind === 'missing-binary' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
      void show(`Plumbline: ${result.message}`, 'Show Output').then((choice) => choice === 'Show Output' && ctx.log.show());
      return `failed: ${result.message}`;
    }
    return presenter.show(params, result);
  };
  // What a preview compares changed (Git, files on disk, the cluster, settings): an open preview
  // is computed again in place rather than left stale. Debounced: such changes come in bursts.
  let refreshing = false;
  let timer: NodeJS.Timeout | undefined;
  const refreshOpen = (): void => {
    const params = presenter.openPreview();
    // In the background: no warning when the server is down (the tree says so).
    const running = ctx.client;
    if (params === undefined || running === undefined) return;
    if (refreshing) return void (timer = setTimeout(refreshOpen, 500));
    refreshing = true;
    running
      .sendRequest(PreviewRequest, params)
      .then((result) => {
        if (!result.ok) return ctx.log.warn(`open preview not refreshed: ${result.message}`);
        ctx.log.info(`${result.title}: refreshed the open preview (${presenter.refresh(params, result)} change(s) now)`);
      })
      .catch((error: unknown) => ctx.log.warn(`open preview not refreshed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (refreshing = false));
  };
  ctx.own(
    tree.onDidChangeOnServer(() => {
      clearTimeout(timer);
      timer = setTimeout(refreshOpen, 500);
    }),
  );
  ctx.own({ dispose: () => clearTimeout(timer) });

  const pickEnvironment = async (placeHolder: string, except?: string): Promise<string | undefined> => {
    const names = (await tree.environmentNames()).filter((n) => n !== except);
    if (names.length === 0) return void vscode.window.showInformationMessage('Plumbline found no environments to compare with.');
    return vscode.window.showQuickPick(names, { placeHolder });
  };
  type EnvNode = { env?: { name: string } } | undefined;

  ctx.own(
    vscode.commands.registerCommand('plumbline.showPendingChanges', async (node?: EnvNode) => {
      const name = node?.env?.name;
      return request({ kind: 'git', ...(name !== undefined ? { environment: name } : {}) }, `Rendering ${name ?? 'every environment'} from HEAD and the working tree`);
    }),
  );
  ctx.own(
    vscode.commands.registerCommand('plumbline.showClusterChanges', async (node?: EnvNode) => {
      const name = node?.env?.name ?? (await pickEnvironment('Environment whose sync to preview'));
      if (name === undefined) return;
      return request({ kind: 'cluster', environment: name }, `Comparing ${name} with its cluster`);
    }),
  );
  ctx.own(
    // A tree's context menu passes the selected nodes second; a caller (or a test) may pass the target's name.
    vscode.commands.registerCommand('plumbline.compareEnvironments', async (node?: EnvNode, target?: unknown) => {
      const source = node?.env?.name ?? (await pickEnvironment('Environment to promote (its manifests are the right side)'));
      if (source === undefined) return;
      const against = typeof target === 'string' ? target : await pickEnvironment(`Promote ${source} onto which environment?`, source);
      if (against === undefined) return;
      return request({ kind: 'promotion', environment: source, against }, `Rendering ${source} and ${against}`);
    }),
  );
}
