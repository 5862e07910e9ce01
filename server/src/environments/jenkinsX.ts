import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { YAML_LOG } from '../manifests/yamlLog';
import type { Environment } from './model';
import { get, str } from './objectFields';

/** What an `Environment` object (`jenkins.io/v1`) in Git says about one environment. */
export interface JenkinsXEnvironmentObject {
  name: string;
  namespace: string | undefined;
  url: string | undefined;
  promotionStrategy: string | undefined;
}

export function readJenkinsXEnvironment(object: unknown, name: string): JenkinsXEnvironmentObject {
  return { name, namespace: str(get(object, 'spec', 'namespace')), url: str(get(object, 'spec', 'source', 'url')), promotionStrategy: str(get(object, 'spec', 'promotionStrategy')) };
}

/**
 * The environments of a Jenkins X 3 cluster repository: `spec.environments` of
 * `jx-requirements.yml`, completed by the `Environment` objects the boot job renders. Each is the
 * manifests `jx gitops` rendered into `config-root/namespaces/<namespace>`; one whose repository
 * is another (a remote environment) says so. Promotion in Jenkins X is a pull request, so every
 * environment but dev is protected (Commit and Sync pushes a branch).
 */
export function jenkinsXEnvironments(root: string, objects: readonly JenkinsXEnvironmentObject[], isWorkspace: (url: string) => boolean): { environments: Environment[]; problems: string[] } {
  const file = ['jx-requirements.yml', 'jx-requirements.yaml'].find((f) => existsSync(join(root, f)));
  if (file === undefined) return { environments: [], problems: [] };
  let requirements: unknown;
  try {
    requirements = parse(readFileSync(join(root, file), 'utf8'), YAML_LOG);
  } catch (error: unknown) {
    return { environments: [], problems: [`${file}: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const listed = get(requirements, 'spec', 'environments') ?? get(requirements, 'environments');
  const environments: Environment[] = [];
  for (const entry of Array.isArray(listed) ? (listed as unknown[]) : []) {
    const key = str(get(entry, 'key'));
    if (key === undefined) continue;
    const object = objects.find((o) => o.name === key);
    const namespace = str(get(entry, 'namespace')) ?? object?.namespace ?? (key === 'dev' ? 'jx' : `jx-${key}`);
    const owner = str(get(entry, 'owner'));
    const repository = str(get(entry, 'repository'));
    const path = `config-root/namespaces/${namespace}`;
    const foundBy = [`Jenkins X environment ${key} in ${file}`, ...(object !== undefined ? [`Jenkins X Environment ${key} (promotion ${object.promotionStrategy ?? 'default'})`] : [])];
    // A remote environment lives in its own repository (`repository`, or the Environment's source URL).
    const elsewhere =
      object?.url !== undefined && !isWorkspace(object.url)
        ? `the environment's repository is ${object.url}, not this workspace`
        : repository !== undefined && key !== 'dev'
          ? `the environment's repository is ${owner !== undefined ? `${owner}/` : ''}${repository}, not this workspace`
          : !existsSync(join(root, path))
            ? `no manifests rendered for namespace ${namespace} in ${path} (the Jenkins X boot job writes them)`
            : undefined;
    environments.push({
      name: key,
      paths: elsewhere === undefined ? [path] : [],
      renderer: { kind: 'plain' },
      target: { context: undefined, namespace },
      delivery: { kind: 'direct' },
      protected: key !== 'dev',
      foundBy,
      ...(elsewhere !== undefined ? { unrendered: elsewhere } : {}),
    });
  }
  return { environments, problems: [] };
}
