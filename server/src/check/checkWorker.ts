// Worker thread of the parallel `plumbline check` (parallelCheck.ts): parses and checks pieces
// of YAML files with the bundled schemas and answers with what it found, relative to each piece.
import { parentPort } from 'node:worker_threads';
import { ManifestParser } from '../manifests/parse';
import { loadBundledSchemas } from '../schemas/bundled';
import { SchemaResolver } from '../schemas/resolver';
import { checkFile, looksTemplatedFile } from './checkFile';
import { declarations } from './duplicates';
import type { PieceRequest, PieceResult } from './pieces';

// Loaded at start, while the main thread is still reading files.
const schemas = new SchemaResolver([loadBundledSchemas()]);

function checkPiece(piece: PieceRequest): PieceResult {
  const file = new ManifestParser({ quick: true }).parse(piece.text);
  let newlines = 0;
  for (let at = piece.text.indexOf('\n'); at !== -1; at = piece.text.indexOf('\n', at + 1)) newlines++;
  return {
    documents: file.documents.length,
    resources: file.documents.filter((d) => d.identity !== undefined).length,
    templated: looksTemplatedFile(file),
    findings: checkFile(file, { role: piece.role, schemas, unknownKind: piece.unknownKind }),
    declarations: piece.role.kind === 'manifests' ? declarations('', file).map((d) => ({ key: d.key, label: d.label, range: d.range })) : [],
    newlines,
  };
}

parentPort?.on('message', (batch: PieceRequest[]) => {
  parentPort?.postMessage(batch.map(checkPiece));
});
