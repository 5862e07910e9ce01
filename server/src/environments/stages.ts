// Stages in the order changes are promoted through them, by the names people give them.
const PROMOTION_STAGES: readonly (readonly string[])[] = [
  ['local', 'sandbox', 'dev', 'develop', 'development'],
  ['test', 'testing', 'int', 'integration', 'qa', 'ci'],
  ['stage', 'staging', 'stg', 'preprod', 'uat', 'preview'],
  ['prod', 'production', 'prd', 'live'],
];

/** Where a name stands in promotion order (dev → staging → prod); names that say no stage come last. */
export function promotionRank(name: string): number {
  const words = name.toLowerCase().replace(/pre-prod/g, 'preprod').split(/[^a-z]+/);
  for (const word of words) {
    const stage = PROMOTION_STAGES.findIndex((names) => names.includes(word));
    if (stage !== -1) return stage;
  }
  return PROMOTION_STAGES.length;
}

// One collator: `localeCompare` builds one per call, a cost that showed in discovery's sort.
const collator = new Intl.Collator();

/** Compares environment names in promotion order, then alphabetically: for sort(). */
export function byPromotionOrder(a: string, b: string): number {
  return promotionRank(a) - promotionRank(b) || collator.compare(a, b);
}

// Regions and markets people name deployments after (values-eu.yaml, values-us-east-1.yaml).
const REGIONS = new Set(['eu', 'us', 'uk', 'ap', 'apac', 'emea', 'amer', 'asia', 'na', 'sa', 'latam', 'ca', 'me', 'af', 'au', 'jp', 'de', 'fr', 'in', 'cn', 'global', 'east', 'west', 'north', 'south', 'central']);

/**
 * Whether a `values-<name>.yaml` names an environment — a stage (dev, staging, prod…) or a region
 * (eu, us-east-1) in any of its words, or a cluster folder of the repository — and not a variant
 * of the chart (`values-nomaria.yaml`, `values-minimal.yaml`, `values-ha.yaml`).
 */
export function isEnvironmentName(name: string, clusters: ReadonlySet<string> = new Set()): boolean {
  if (clusters.has(name)) return true;
  if (promotionRank(name) < PROMOTION_STAGES.length) return true;
  return name.toLowerCase().split(/[^a-z]+/).some((word) => REGIONS.has(word));
}
