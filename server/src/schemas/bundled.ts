import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SchemaBundle, type SchemaBundleData } from './bundle';

/** File name of the bundled schema set inside `schemas/`. */
export const BUNDLED_FILE = 'bundled.json';

/** Finds the `schemas/` folder next to the bundle (dist/) or the sources (server/src/schemas). */
export function findSchemaDir(start: string = __dirname): string | undefined {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, BUNDLED_FILE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

let bundled: SchemaBundle | undefined;

/** The schemas shipped with Plumbline, loaded once on first use. */
export function loadBundledSchemas(schemaDir: string | undefined = findSchemaDir()): SchemaBundle {
  if (bundled !== undefined) return bundled;
  if (schemaDir === undefined) throw new Error(`bundled schemas not found (looked for schemas/${BUNDLED_FILE} above ${__dirname}); run \`npm run schemas\``);
  const data = JSON.parse(readFileSync(join(schemaDir, BUNDLED_FILE), 'utf8')) as SchemaBundleData;
  bundled = new SchemaBundle(data, {
    kind: 'bundled',
    label: `bundled schemas (Kubernetes ${data.kubernetesVersion})`,
    kubernetesVersion: data.kubernetesVersion,
  });
  return bundled;
}
