import type { DriftReport } from '../drift/engine';
import type { ResourceHealth } from '../health/health';
import type { ResourceIdentity } from '../manifests/identity';
import type { Range } from '../manifests/lineIndex';

/** What a drift quick fix needs, carried in the diagnostic's `data`. */
export interface DriftData {
  kind: string;
  name: string;
  namespace: string | undefined;
  path: unknown[];
  exact: boolean;
  liveValue?: unknown;
  /** Whose apply the prediction assumed ("kustomize-controller (Flux Kustomization …)"), for the hover. */
  appliedAs?: string;
}

export interface DriftEntry {
  /** Zero-based line range of the resource's document, for lenses and the diff command. */
  range: Range;
  identity: ResourceIdentity;
  report: DriftReport;
  summary: string;
  /** The environment whose rendered object this is; undefined for a file no environment renders. */
  environment?: string;
  /** Whether the live object works, with the reason (for the hover); undefined when it was not read. */
  health?: ResourceHealth;
}
