import type { ResourceChange } from './changes';
import type { RenderFailureKind } from '../environments/render';
import type { Result } from '../result';

/** One environment's part of a preview: its changes, or why it could not be rendered. */
export interface EnvironmentPreview {
  environment: string;
  state: 'ok' | 'error';
  message: string;
  unchanged: number;
  changes: ResourceChange[];
  /** Nothing it reads changed, so it was not rendered: `unchanged` counts no resources. */
  inputsUnchanged?: true;
}

/** What a preview shows: two sides (labels for the diff titles), per environment. */
export interface Preview {
  title: string;
  /** What the left side of each diff is: "HEAD", "cluster", "prod". */
  left: string;
  /** What the right side is: "working tree", "after sync", "staging". */
  right: string;
  environments: EnvironmentPreview[];
  /** Things worth knowing that did not stop the preview (a prune list that could not be read, …). */
  notes: string[];
}

export type PreviewFailureKind = 'not-a-repository' | 'git' | 'unknown-environment' | RenderFailureKind | 'unreachable' | 'forbidden' | 'cluster-off';

/** A preview's outcome: the engine-wide Result with what stopped it. */
export type PreviewResult = Result<Preview, { kind: PreviewFailureKind; message: string }>;

export const failed = (kind: PreviewFailureKind, message: string): PreviewResult => ({ ok: false, error: { kind, message } });

/** All changes of a preview, each with its environment. */
export function allChanges(preview: Preview): (ResourceChange & { environment: string })[] {
  return preview.environments.flatMap((e) => e.changes.map((c) => ({ ...c, environment: e.environment })));
}
