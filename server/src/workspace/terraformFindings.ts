import type { DriftEngine, DriftReport } from '../drift/engine';
import { isTerraform, terraformFacts, terraformNotes } from '../health/terraform';
import type { ResourceIdentity } from '../manifests/identity';
import type { Range } from '../manifests/lineIndex';
import type { Finding } from '../manifests/problem';
import { sourceRevision } from '../terraform/sourceRevision';

/** What the Approve plan action and the plan preview need, carried in a Terraform finding's `data`. */
export interface TerraformData {
  terraform: true;
  name: string;
  namespace: string | undefined;
  /** The pending plan to approve, where approving it is the way on. */
  planId?: string;
  environment?: string;
}

/**
 * tofu-controller's word on a Terraform object Git declares (drift it detected, a plan waiting
 * for approval or gone stale, a held state lock, a failure), read from the live object's status
 * and shown on the object's name. Nothing for other kinds, or when the cluster has no object.
 */
export async function terraformFindings(report: DriftReport, identity: ResourceIdentity, engine: DriftEngine | undefined, at: Range, environment?: string): Promise<Finding[]> {
  if (!isTerraform(identity.apiVersion, identity.kind)) return [];
  if (report.state !== 'in-sync' && report.state !== 'drifted') return [];
  const facts = terraformFacts(report.live);
  // The source is read only when a plan waits: only then can it be stale.
  const revision = facts.pendingPlan !== undefined && engine !== undefined ? await sourceRevision(engine.client, facts) : undefined;
  return terraformNotes(facts, revision !== undefined ? { sourceRevision: revision } : {}).map((note) => ({
    range: at,
    severity: note.severity,
    code: note.code,
    message: environment !== undefined ? `${environment}: ${note.message}` : note.message,
    data: {
      terraform: true,
      name: facts.name,
      namespace: facts.namespace ?? report.namespace,
      ...(note.planId !== undefined ? { planId: note.planId } : {}),
      ...(environment !== undefined ? { environment } : {}),
    } satisfies TerraformData,
  }));
}
