import type { ChunkDeclaration } from './duplicates';
import type { UnitPath } from './duplicateScopes';
import type { FileRole } from './fileRole';
import type { CheckOptions } from './checkFile';
import type { Finding } from '../manifests/problem';
import type { CrdFileSnapshot } from '../schemas/workspaceCrds';

/** A piece of one file's text (whole documents, starting at a line start) to check in a worker. */
export interface PieceRequest {
  text: string;
  role: FileRole;
  unknownKind: CheckOptions['unknownKind'];
}

/** A message to a check worker: a batch of pieces, or the workspace's CRDs for the batches after it. */
export type WorkerMessage = PieceRequest[] | { crds: CrdFileSnapshot[] };

/** What a worker found in a piece; ranges count lines from the piece's first line, offsets from its start. */
export interface PieceResult {
  documents: number;
  resources: number;
  /** The piece looks like an unrendered template: then nothing in its file is reported. */
  templated: boolean;
  findings: Finding[];
  declarations: ChunkDeclaration[];
  /** The paths of the Flux Kustomizations and Argo CD Applications in the piece, read from the same parse. */
  unitPaths: UnitPath[];
}
