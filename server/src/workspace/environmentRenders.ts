import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { discoverEnvironments, mayDefineEnvironments } from '../environments/discover';
import type { Environment } from '../environments/model';
import { environmentFiles, renderWithOrigins, type EnvironmentFiles, type MappedRender } from '../environments/renderMap';
import { isKustomizationFile } from '../kustomize/patchIndex';
import type { RenderOptions } from '../environments/render';
import type { KubeObject } from '../cluster/http';
import { validateRendered, type RenderedProblem } from '../environments/renderedValidation';
import type { SchemaResolver } from '../schemas/resolver';
import { PLUMBLINE_CONFIG_FILE } from '../files/names';

interface Indexed {
  environment: Environment;
  files: EnvironmentFiles;
}

/**
 * The workspace's environments as the editor's drift sees them: which files each one's render
 * reads (known without running kustomize), and each render with its field origins, cached per
 * environment and re-run, debounced, when a file it reads is saved.
 */
export class EnvironmentRenders {
  private index: Promise<Indexed[]> | undefined;
  private indexed: Indexed[] = [];
  /** Absolute paths of the files Flux never applies (Discovered.notApplied); undefined until indexed. */
  private notApplied: Set<string> | undefined;
  private readonly renders = new Map<string, Promise<MappedRender>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly listeners: (() => void)[] = [];
  /** Rendered objects are new on each render, so this cache follows the renders. */
  private readonly problems = new WeakMap<KubeObject, { generation: number; problems: RenderedProblem[] }>();

  constructor(
    private readonly root: () => string | undefined,
    /** How to render (trust, the kustomize and helm commands): the settings', as the tree and previews use. */
    private readonly renderOptions: () => RenderOptions,
    private readonly log: (message: string) => void,
    private readonly schemas: () => SchemaResolver | undefined = () => undefined,
    private readonly debounceMs = 150,
  ) {}

  /** Schema errors of a rendered object (none without schemas). */
  validate(object: KubeObject): RenderedProblem[] {
    const schemas = this.schemas();
    if (schemas === undefined) return [];
    const cached = this.problems.get(object);
    if (cached !== undefined && cached.generation === schemas.generation) return cached.problems;
    const problems = validateRendered(object, schemas);
    this.problems.set(object, { generation: schemas.generation, problems });
    return problems;
  }

  /** Called when renders or the set of environments changed: open documents need drift again. */
  onDidChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The index, read on first use. */
  ready(): Promise<void> {
    return this.reindex(false).then(() => undefined);
  }

  /** Environments whose render reads `path` (as of the last index). */
  using(path: string): Environment[] {
    // Asked for every file of a drift answer: without environments, no path to resolve.
    if (this.indexed.length === 0) return [];
    const absolute = resolve(path);
    return this.indexed.filter((i) => i.files.files.has(absolute)).map((i) => i.environment);
  }

  /** Absolute paths of the files the environment's render reads (as of the last index). */
  filesOf(environment: Environment): ReadonlySet<string> {
    return this.indexed.find((i) => i.environment.name === environment.name)?.files.files ?? new Set();
  }

  /**
   * Whether `path` is a file Flux never applies (in the folder of a Flux object no cluster
   * applies), as of the last index; undefined before the first index is made.
   */
  neverApplied(path: string): boolean | undefined {
    return this.notApplied?.has(resolve(path));
  }

  /** The environment's render with field origins; cached until a file it reads is saved. */
  render(environment: Environment): Promise<MappedRender> {
    let render = this.renders.get(environment.name);
    if (render === undefined) {
      const root = this.root();
      const entry = this.indexed.find((i) => i.environment.name === environment.name);
      render =
        root === undefined || entry === undefined
          ? Promise.resolve<MappedRender>({ ok: false, kind: 'render-error', message: `environment ${environment.name} is gone` })
          : renderWithOrigins(root, environment, entry.files, this.renderOptions()).catch(
              (error: unknown): MappedRender => ({ ok: false, kind: 'render-error', message: error instanceof Error ? error.message : String(error) }),
            );
      this.renders.set(environment.name, render);
      void render.then((r) => {
        if (!r.ok && r.kind !== 'untrusted') this.log(`render of ${environment.name}: ${r.message}`);
      });
    }
    return render;
  }

  /**
   * A file was saved, created or deleted. Kustomizations, `.plumbline.yaml` and Flux or Argo CD
   * objects can change which environments exist and what they read: those re-index. Any other
   * file re-renders the environments that read it (or a file next to their kustomizations).
   */
  async changed(path: string): Promise<void> {
    const absolute = resolve(path);
    if (isKustomizationFile(absolute) || basename(absolute) === PLUMBLINE_CONFIG_FILE || (await this.definesEnvironments(absolute))) {
      await this.reindex(true);
      this.notify();
      return;
    }
    for (const { environment, files } of this.indexed) {
      if (files.files.has(absolute) || files.folders.has(dirname(absolute))) this.schedule(environment.name);
    }
  }

  /** Forgets every render (the settings that say how to render changed); the next request renders again. */
  invalidate(): void {
    this.renders.clear();
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async definesEnvironments(path: string): Promise<boolean> {
    const text = await readFile(path, 'utf8').catch(() => '');
    return mayDefineEnvironments(text);
  }

  private schedule(name: string): void {
    clearTimeout(this.timers.get(name));
    // A burst of saves (format on save, a multi-file refactor) renders once.
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        this.renders.delete(name);
        this.notify();
      }, this.debounceMs),
    );
  }

  private reindex(force: boolean): Promise<Indexed[]> {
    if (this.index !== undefined && !force) return this.index;
    const root = this.root();
    this.index = (async (): Promise<{ indexed: Indexed[]; notApplied: Set<string> }> => {
      if (root === undefined) return { indexed: [], notApplied: new Set<string>() };
      const { environments, notApplied } = await discoverEnvironments(root, this.renderOptions());
      const indexed = await Promise.all(environments.map(async (environment) => ({ environment, files: await environmentFiles(root, environment) })));
      return { indexed, notApplied: new Set(notApplied.map((f) => resolve(root, f))) };
    })().then(
      ({ indexed, notApplied }) => {
        this.indexed = indexed;
        this.notApplied = notApplied;
        this.renders.clear();
        return indexed;
      },
      (error: unknown) => {
        this.log(`environments: ${error instanceof Error ? error.message : String(error)}`);
        this.indexed = [];
        this.notApplied = new Set();
        return [];
      },
    );
    return this.index;
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
