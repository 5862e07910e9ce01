import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Document } from 'yaml';
import type { KubeObject } from '../manifests/kubeObject';
import { originsOf, type ObjectOrigins } from '../kustomize/fieldOrigin';
import { isKustomizationFile } from '../kustomize/patchIndex';
import { filesOfTree, fluxKustomizationNode, foldersOfTree, readKustomizationTree, type KustomizationNode } from '../kustomize/tree';
import { parseApiVersion, type ResourceIdentity } from '../manifests/identity';
import { ManifestParser } from '../manifests/parse';
import { collectYamlFiles } from '../files/files';
import type { Environment } from './model';
import { inDirectorySource, renderEnvironment, type RenderFailureKind, type RenderOptions } from './render';

/** The files an environment's render reads, known without running kustomize. */
export interface EnvironmentFiles {
  trees: KustomizationNode[];
  files: Set<string>;
  /** Folders of its kustomizations: a save there (a generator's env file) changes the render. */
  folders: Set<string>;
}

/** A rendered object, the identity it is compared under, and where each of its fields comes from. */
export interface MappedObject {
  object: KubeObject;
  identity: ResourceIdentity;
  origins: ObjectOrigins;
}

export type MappedRender = { ok: true; objects: MappedObject[] } | { ok: false; kind: RenderFailureKind; message: string };

/** Reads an environment's kustomization trees (or lists its plain files). */
export async function environmentFiles(root: string, env: Environment): Promise<EnvironmentFiles> {
  const files = await folderFiles(root, env);
  const origin = env.flux?.origin;
  if (origin === undefined || (env.flux?.patches.length === 0 && env.flux.images.length === 0 && env.flux.namePrefix === undefined && env.flux.nameSuffix === undefined)) return files;
  // The Flux Kustomization's spec is a kustomization around the path's: its patches are writers too.
  const node = await fluxKustomizationNode(origin.file, origin.document, files.trees, env.renderer.kind === 'plain' ? [...files.files] : []);
  if (node === undefined) return files;
  return { trees: [node], files: new Set([...files.files, origin.file]), folders: files.folders };
}

async function folderFiles(root: string, env: Environment): Promise<EnvironmentFiles> {
  const dirs = env.paths.map((p) => join(root, p));
  if (env.renderer.kind === 'kustomize') {
    const trees = (await Promise.all(dirs.map((d) => readKustomizationTree(d)))).filter((t) => t !== undefined);
    const files = new Set<string>();
    const folders = new Set<string>();
    for (const t of trees) {
      filesOfTree(t, files);
      foldersOfTree(t, folders);
    }
    return { trees, files, folders };
  }
  if (env.renderer.kind === 'plain') {
    const files = (await collectYamlFiles(dirs).catch(() => [])).filter((f) => !isKustomizationFile(f) && inDirectorySource(root, env, f));
    return { trees: [], files: new Set(files), folders: new Set(files.map((f) => dirname(f))) };
  }
  return { trees: [], files: new Set(), folders: new Set() };
}

/**
 * Renders an environment and maps every field of every object back to the file that declares
 * it: the resource, the overlay patch, or the kustomization transformer.
 */
export async function renderWithOrigins(root: string, env: Environment, files: EnvironmentFiles, options: RenderOptions): Promise<MappedRender> {
  const rendered = await renderEnvironment(root, env, options);
  if (!rendered.ok) return rendered;
  const parsed = new Map<string, readonly Document[]>();
  for (const { source } of rendered.objects) {
    if (source === undefined || parsed.has(source)) continue;
    const text = await readFile(source, 'utf8').catch(() => '');
    parsed.set(source, new ManifestParser().parse(text).documents.map((d) => d.doc));
  }
  return {
    ok: true,
    objects: rendered.objects.map(({ object, source }) => {
      const apiVersion = object.apiVersion ?? '';
      const namespace = object.metadata?.namespace ?? env.target.namespace;
      const identity: ResourceIdentity = { apiVersion, ...parseApiVersion(apiVersion), kind: object.kind ?? '', name: object.metadata?.name ?? '', ...(namespace !== undefined ? { namespace } : {}) };
      return { object, identity, origins: originsOf(files.trees, object, source, (f) => parsed.get(f)) };
    }),
  };
}
