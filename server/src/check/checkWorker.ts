// Worker thread of the parallel `plumbline check` (parallelCheck.ts): parses and checks pieces
// of YAML files with the bundled schemas and answers with what it found, relative to each piece.
import { parentPort } from 'node:worker_threads';
import { loadBundledSchemas } from '../schemas/bundled';
import { SchemaResolver } from '../schemas/resolver';
import { checkPiece } from './checkPiece';
import type { PieceRequest } from './pieces';

// Loaded at start, while the main thread is still reading files.
const schemas = new SchemaResolver([loadBundledSchemas()]);

parentPort?.on('message', (batch: PieceRequest[]) => {
  parentPort?.postMessage(batch.map((piece) => checkPiece(piece, schemas)));
});
