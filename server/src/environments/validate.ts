import { join } from 'node:path';
import { checkPaths, type FileReport } from '../check/checkPaths';
import { loadBundledSchemas } from '../schemas/bundled';
import { SchemaResolver } from '../schemas/resolver';
import type { Environment } from './model';

/** Sync's pre-flight: the environment's files checked with the bundled schemas. */
export function validateEnvironment(root: string, env: Environment): Promise<FileReport[]> {
  return checkPaths(env.paths.map((p) => join(root, p)), { schemas: () => Promise.resolve(new SchemaResolver([loadBundledSchemas()])), unknownKind: 'information' });
}
