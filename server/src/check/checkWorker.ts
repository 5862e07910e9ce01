// Worker thread of the parallel `plumbline check` (parallelCheck.ts): parses and checks pieces
// of YAML files with the bundled schemas and the workspace's CRDs (sent as the main thread finds
// them) and answers with what it found, relative to each piece.
import { parentPort } from 'node:worker_threads';
import { loadBundledSchemas } from '../schemas/bundled';
import { SchemaResolver } from '../schemas/resolver';
import { crdBundle } from '../schemas/workspaceCrds';
import { checkPiece } from './checkPiece';
import type { WorkerMessage } from './pieces';

// Loaded at start, while the main thread is still reading files.
const bundled = loadBundledSchemas();
const schemas = new SchemaResolver([bundled]);

parentPort?.on('message', (message: WorkerMessage) => {
  if (!Array.isArray(message)) {
    schemas.setWorkspaceCrds(message.crds.map((file) => crdBundle(file.definitions, file.display, bundled)));
    return;
  }
  parentPort?.postMessage(message.map((piece) => checkPiece(piece, schemas)));
});
