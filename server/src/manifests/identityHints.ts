import { parseApiVersion } from './identity';

/** What a document's top-level lines say it is, read before (and without) parsing it. */
export interface IdentityHint {
  group: string;
  version: string;
  kind: string;
  namespace: string | undefined;
}

/** A plain one-word value of a `key: value` line (quotes and a trailing comment removed); undefined for anything else. */
function plainValue(line: string, from: number): string | undefined {
  let value = line.slice(from).trim();
  const comment = value.indexOf(' #');
  if (comment !== -1) value = value.slice(0, comment).trimEnd();
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) value = value.slice(1, -1);
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) ? value : undefined;
}

/**
 * The apiVersion, kind and metadata.namespace of each document of a manifest file, from its
 * top-level lines: a hint for starting the cluster's LISTs while the files are still being
 * parsed, never an answer. A wrong or missing hint costs one LIST more or one started later;
 * every comparison still reads the parsed document's identity.
 */
export function identityHints(text: string): IdentityHint[] {
  const out: IdentityHint[] = [];
  let apiVersion: string | undefined;
  let kind: string | undefined;
  let namespace: string | undefined;
  let inMetadata = false;
  const flush = (): void => {
    if (apiVersion !== undefined && kind !== undefined) out.push({ ...parseApiVersion(apiVersion), kind, namespace });
    apiVersion = kind = namespace = undefined;
    inMetadata = false;
  };
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const at = start;
    const lineEnd = text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    start = end + 1;
    const first = text.charCodeAt(at);
    // Deeper lines, most of a manifest, are looked at in place: cutting each out was most of this scan's cost.
    if (first === 32) {
      if (inMetadata && text.startsWith('  namespace:', at)) namespace = plainValue(text.slice(at, lineEnd), 12);
    } else if (text.startsWith('---', at)) flush();
    else if (text.startsWith('apiVersion:', at)) {
      apiVersion = plainValue(text.slice(at, lineEnd), 11);
      inMetadata = false;
    } else if (text.startsWith('kind:', at)) {
      kind = plainValue(text.slice(at, lineEnd), 5);
      inMetadata = false;
    } else if (text.startsWith('metadata:', at)) inMetadata = true;
    // Any other top-level key ends metadata; comments and deeper lines do not.
    else if (lineEnd > at && first !== 35) inMetadata = false;
  }
  flush();
  return out;
}
