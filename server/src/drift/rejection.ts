import type { ClusterError } from '../cluster/result';
import type { FieldPath, FieldStep } from '../manifests/fieldPath';

/**
 * Whether the API server refused a dry-run for the manifest's own content: a 400/422, or the 500
 * server-side apply answers when it cannot type the object (a list-map key declared twice, a
 * value of the wrong type). Those are faults in Git, not an unavailable cluster.
 */
export function refusedForContent(error: ClusterError): boolean {
  if (error.kind === 'invalid') return true;
  return error.kind === 'server' && error.status === 500 && /failed to create typed (patch|live) object|duplicate entries for key|field not declared in schema|expected (map|list|string|numeric|bool)/.test(error.message);
}

/**
 * The field an API server message names, as a path: `.spec.template.spec.containers[name="app"].env`
 * from server-side apply, `spec.template.spec.containers[0].image` from validation.
 */
export function fieldOfRejection(message: string): FieldPath | undefined {
  for (const found of message.matchAll(/(?<=^|[\s:])\.?((?:[A-Za-z_$][\w$-]*)(?:\.[A-Za-z_$][\w$-]*|\[[^\]]*\])*): /g)) {
    const path = pathOf(found[1]!);
    if (path !== undefined) return path;
  }
  return undefined;
}

function pathOf(text: string): FieldPath | undefined {
  const steps: FieldStep[] = [];
  for (const part of text.matchAll(/([A-Za-z_$][\w$-]*)|\[([^\]]*)\]/g)) {
    if (part[1] !== undefined) steps.push(part[1]);
    else if (/^\d+$/.test(part[2]!)) steps.push(Number(part[2]));
    else {
      const keys: Record<string, unknown> = {};
      for (const kv of part[2]!.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|[^,]*)/g)) keys[kv[1]!] = kv[2]!.startsWith('"') ? (JSON.parse(kv[2]!) as unknown) : kv[2];
      if (Object.keys(keys).length === 0) break;
      steps.push({ keys });
    }
  }
  // Other words read like paths too (a context's name, `Deployment.apps`): a field starts at a top-level field of an object.
  return steps.length > 0 && typeof steps[0] === 'string' && ['spec', 'metadata', 'data', 'stringData', 'binaryData', 'rules', 'subjects', 'roleRef', 'webhooks', 'status', 'type', 'immutable', 'template'].includes(steps[0]) ? steps : undefined;
}
