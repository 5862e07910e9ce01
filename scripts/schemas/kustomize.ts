import { join, resolve } from 'node:path';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { run } from './exec';
import { GO_ENV, goFlags } from './gomod';
import { KUSTOMIZE_GENERATOR_DIR } from './sources';

export interface KustomizeSchemas {
  module: string;
  version: string;
  /** Types of kustomize that decode themselves, emitted as `{}` (any value). */
  customUnmarshalers: string[];
  definitions: Record<string, OpenApiSchema>;
}

/** Runs the Go generator (scripts/schemas/kustomize) that reflects over kustomize's types. */
export async function kustomizeSchemas(root: string): Promise<KustomizeSchemas> {
  const { stdout } = await run('go', ['run', '.'], {
    cwd: join(root, KUSTOMIZE_GENERATOR_DIR),
    env: { ...GO_ENV, GOFLAGS: goFlags('-mod=readonly') },
  });
  const out = JSON.parse(stdout.toString('utf8')) as KustomizeSchemas;
  if (typeof out.version !== 'string' || typeof out.definitions !== 'object') throw new Error('kustomize schema generator: unexpected output');
  return out;
}

/** Decodes each file with kustomize's own Kustomization.Unmarshal: path → error ("" when accepted). */
export async function kustomizeVerdicts(root: string, files: readonly string[]): Promise<Record<string, string>> {
  const { stdout } = await run('go', ['run', '.', '-check', ...files.map((f) => resolve(root, f))], {
    cwd: join(root, KUSTOMIZE_GENERATOR_DIR),
    env: { ...GO_ENV, GOFLAGS: goFlags('-mod=readonly') },
  });
  const byAbsolute = JSON.parse(stdout.toString('utf8')) as Record<string, string>;
  return Object.fromEntries(files.map((f) => [f, byAbsolute[resolve(root, f)] ?? 'not checked']));
}
