/**
 * The Git object as a dry-run create sends it to learn what the server fills in when creating it
 * (kubectl create and client-side apply own those defaults too, so they are no one's edit). It
 * goes under a generated name, and without the values the cluster allots to one object only — a
 * Service's cluster IP and node ports — which the live object already holds: asked for again, the
 * create is refused ("provided port is already allocated") and no default could be told apart.
 */
export function freshCreateBody(desired: Record<string, unknown>, name: string): string {
  const metadata = { ...((desired['metadata'] ?? {}) as Record<string, unknown>) };
  metadata['generateName'] = `${name.slice(0, 40)}-`;
  delete metadata['name'];
  const fresh: Record<string, unknown> = { ...desired, metadata };
  if (desired['kind'] === 'Service' && desired['apiVersion'] === 'v1') fresh['spec'] = withoutAllotted(desired['spec']);
  return JSON.stringify(fresh);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function withoutAllotted(spec: unknown): unknown {
  if (!isRecord(spec)) return spec;
  const out = { ...spec };
  // "None" makes a headless Service, whose defaults differ: kept.
  if (out['clusterIP'] !== 'None') {
    delete out['clusterIP'];
    delete out['clusterIPs'];
  }
  delete out['healthCheckNodePort'];
  if (Array.isArray(out['ports'])) {
    out['ports'] = out['ports'].map((port: unknown) => {
      if (!isRecord(port)) return port;
      const { nodePort: _allotted, ...rest } = port;
      return rest;
    });
  }
  return out;
}
