import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '../environments/model';
import type { RenderInputs } from '../environments/renderInputs';

/** Past this many files below one folder, the comparison gives up and the environment is rendered. */
const MAX_TREE_FILES = 20_000;

/** A file's bytes, or undefined when it is not there (or not a file). */
async function bytes(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch(() => undefined);
}

/** Every file below a folder (relative, sorted), `.git` left out; undefined past the limit. */
async function listTree(dir: string): Promise<string[] | undefined> {
  const out: string[] = [];
  const walk = async (sub: string): Promise<boolean> => {
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name === '.git') continue;
      const rel = sub === '' ? e.name : `${sub}/${e.name}`;
      if (e.isDirectory()) {
        if (!(await walk(rel))) return false;
      } else {
        out.push(rel);
        if (out.length > MAX_TREE_FILES) return false;
      }
    }
    return true;
  };
  return (await walk('')) ? out.sort() : undefined;
}

async function ownFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => !e.isDirectory()).map((e) => e.name).sort();
}

/**
 * Compares two trees (HEAD's export and the working tree) path by path, each path once per
 * preview: environments share bases, components and chart folders.
 */
export class TreeComparison {
  private readonly answers = new Map<string, Promise<boolean>>();

  constructor(
    private readonly left: string,
    private readonly right: string,
  ) {}

  private once(key: string, compute: () => Promise<boolean>): Promise<boolean> {
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = compute();
      this.answers.set(key, answer);
    }
    return answer;
  }

  sameFile(rel: string): Promise<boolean> {
    return this.once(`f ${rel}`, async () => {
      const [a, b] = await Promise.all([bytes(join(this.left, rel)), bytes(join(this.right, rel))]);
      return a === undefined || b === undefined ? a === b : a.equals(b);
    });
  }

  private async sameList(dir: string, a: string[] | undefined, b: string[] | undefined): Promise<boolean> {
    if (a === undefined || b === undefined || a.length !== b.length || a.some((f, i) => f !== b[i])) return false;
    for (const f of a) if (!(await this.sameFile(dir === '.' ? f : `${dir}/${f}`))) return false;
    return true;
  }

  sameTree(rel: string): Promise<boolean> {
    return this.once(`t ${rel}`, async () => this.sameList(rel, await listTree(join(this.left, rel)), await listTree(join(this.right, rel))));
  }

  sameFolder(rel: string): Promise<boolean> {
    return this.once(`d ${rel}`, async () => this.sameList(rel, await ownFiles(join(this.left, rel)), await ownFiles(join(this.right, rel))));
  }

  /** Whether every input on either side reads the same on both. */
  async sameInputs(...sides: RenderInputs[]): Promise<boolean> {
    for (const inputs of sides) {
      for (const f of inputs.files) if (!(await this.sameFile(f))) return false;
      for (const d of inputs.folders) if (!(await this.sameFolder(d))) return false;
      for (const t of inputs.trees) if (!(await this.sameTree(t))) return false;
    }
    return true;
  }
}

/** An environment as discovered in one tree, its absolute paths made the other tree's: equal when discovery saw it alike. */
export function sameEnvironment(left: Environment, leftRoot: string, right: Environment, rightRoot: string): boolean {
  return JSON.stringify(left).replaceAll(JSON.stringify(leftRoot).slice(1, -1), JSON.stringify(rightRoot).slice(1, -1)) === JSON.stringify(right);
}
