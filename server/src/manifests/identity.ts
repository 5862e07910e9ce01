import type { Document, YAMLMap } from 'yaml';
import { isMap, isScalar, valueOf } from './yamlNodes';

/** What a Kubernetes object is and where it lives: group/version/kind/namespace/name. */
export interface ResourceIdentity {
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  name?: string;
  namespace?: string;
}

/** `apps/v1` → group apps, version v1; `v1` → the core group (''). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function scalarString(map: YAMLMap, key: string): string | undefined {
  const node = valueOf(map, key);
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
    return String(node.value);
  }
  return undefined;
}

/** Reads the identity of a document that looks like a Kubernetes object, without converting it to JS. */
export function identityOf(doc: Document): ResourceIdentity | undefined {
  return identityOfNode(doc.contents);
}

/** The identity of an object at any node (a list's item), or undefined when it is not a map with apiVersion and kind. */
export function identityOfNode(root: unknown): ResourceIdentity | undefined {
  if (!isMap(root)) return undefined;
  const apiVersion = scalarString(root, 'apiVersion');
  const kind = scalarString(root, 'kind');
  if (apiVersion === undefined || kind === undefined) return undefined;
  const { group, version } = parseApiVersion(apiVersion);
  const identity: ResourceIdentity = { apiVersion, group, version, kind };
  const metadata = valueOf(root, 'metadata');
  if (isMap(metadata)) {
    const name = scalarString(metadata, 'name');
    const namespace = scalarString(metadata, 'namespace');
    if (name !== undefined) identity.name = name;
    if (namespace !== undefined) identity.namespace = namespace;
  }
  return identity;
}

/** A property of parsed data as scalarString reads it from a tree: a string or a number, as text. */
function dataString(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function isDataMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** identityOfNode for a document's plain data (a quick data parse), as the tree would give it. */
export function identityOfData(root: unknown): ResourceIdentity | undefined {
  if (!isDataMap(root)) return undefined;
  const apiVersion = dataString(root['apiVersion']);
  const kind = dataString(root['kind']);
  if (apiVersion === undefined || kind === undefined) return undefined;
  const identity: ResourceIdentity = { apiVersion, ...parseApiVersion(apiVersion), kind };
  const metadata = root['metadata'];
  if (isDataMap(metadata)) {
    const name = dataString(metadata['name']);
    const namespace = dataString(metadata['namespace']);
    if (name !== undefined) identity.name = name;
    if (namespace !== undefined) identity.namespace = namespace;
  }
  return identity;
}

/** Kind/name (or Kind) as users write it, for messages and outlines. */
export function describeIdentity(identity: ResourceIdentity): string {
  return identity.name === undefined ? identity.kind : `${identity.kind}/${identity.name}`;
}
