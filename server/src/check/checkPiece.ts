import { ManifestParser } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';
import { checkFileOnce, resourcesIn } from './checkFile';
import { declaredOffsets } from './duplicates';
import { mayApplyFolders, unitPathsIn } from './duplicateScopes';
import type { PieceRequest, PieceResult } from './pieces';

/** Checks one piece of a file against the given schemas, as a check worker (or the main thread) does. */
export function checkPiece(piece: PieceRequest, schemas: SchemaResolver): PieceResult {
  const file = new ManifestParser({ quick: true }).parse(piece.text);
  const { findings, templated } = checkFileOnce(file, { role: piece.role, schemas, unknownKind: piece.unknownKind });
  return {
    documents: file.documents.length,
    resources: resourcesIn(file),
    templated,
    findings,
    declarations: piece.role.kind === 'manifests' ? declaredOffsets(file) : [],
    unitPaths: mayApplyFolders(piece.text) ? unitPathsIn(file.documents.map((d) => d.doc.contents)) : [],
  };
}
