import { isMap, isScalar, stringify, type Node } from 'yaml';
import { takeIntoGit } from '../drift/takeIntoGit';
import { isTerraform } from '../health/terraform';
import { ManifestParser } from '../manifests/parse';

/** One replacement in a file's text, by offsets. */
export interface TextReplacement {
  start: number;
  end: number;
  newText: string;
}

/**
 * The edit that approves a plan in Git: `spec.approvePlan: <plan id>` in the Terraform document
 * holding `offset`, replacing the value that is there (a former plan's id, `auto`…) or added under
 * `spec:` indented like its other keys. Everything else in the file stays byte for byte. Approval
 * is a change to Git, so it is reviewed and delivered like any other.
 */
export function approvePlanEdit(text: string, offset: number, planId: string): TextReplacement | undefined {
  const file = new ManifestParser().parse(text);
  const d = file.documents.find((doc) => doc.base + doc.doc.range[0] <= offset && offset <= doc.base + (doc.doc.range[2] ?? doc.doc.range[1]));
  if (d === undefined || !isTerraform(d.identity?.apiVersion, d.identity?.kind)) return undefined;
  const root = d.doc.contents;
  if (!isMap(root)) return undefined;
  const value = stringify(planId).trimEnd();
  const existing = root.getIn(['spec', 'approvePlan'], true) as Node | undefined;
  if (existing !== undefined && isScalar(existing) && existing.range !== undefined && existing.range !== null) {
    return { start: d.base + existing.range[0], end: d.base + existing.range[1], newText: value };
  }
  const insertion = takeIntoGit(text, d.base, d.doc, ['spec', 'approvePlan'], planId);
  return insertion === undefined ? undefined : { start: insertion.offset, end: insertion.offset, newText: insertion.text };
}
