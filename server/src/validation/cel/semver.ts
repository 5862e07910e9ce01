/** Semantic versions for the Kubernetes CEL `semver` library (blang/semver rules). */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export class Semver {
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: readonly string[],
  ) {}

  compare(other: Semver): number {
    for (const [a, b] of [
      [this.major, other.major],
      [this.minor, other.minor],
      [this.patch, other.patch],
    ] as const) {
      if (a !== b) return a < b ? -1 : 1;
    }
    // A version with a pre-release sorts before the release itself.
    if (this.pre.length === 0 || other.pre.length === 0) return other.pre.length - this.pre.length === 0 ? 0 : this.pre.length === 0 ? 1 : -1;
    for (let i = 0; i < Math.min(this.pre.length, other.pre.length); i++) {
      const a = this.pre[i] ?? '';
      const b = other.pre[i] ?? '';
      if (a === b) continue;
      const an = /^\d+$/.test(a);
      const bn = /^\d+$/.test(b);
      if (an && bn) return BigInt(a) < BigInt(b) ? -1 : 1;
      if (an !== bn) return an ? -1 : 1;
      return a < b ? -1 : 1;
    }
    return Math.sign(this.pre.length - other.pre.length);
  }
}

/** `normalize` accepts a leading v and missing minor/patch (v1.2 → 1.2.0), as semver(s, true) does. */
export function parseSemver(text: string, normalize = false): Semver | undefined {
  let t = text;
  if (normalize) {
    if (t.startsWith('v')) t = t.slice(1);
    const core = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(t);
    if (core !== null) t = `${BigInt(core[1] ?? '0')}.${BigInt(core[2] ?? '0')}.${BigInt(core[3] ?? '0')}${core[4] ?? ''}`;
  }
  const m = SEMVER.exec(t);
  if (m === null) return undefined;
  return new Semver(BigInt(m[1] ?? '0'), BigInt(m[2] ?? '0'), BigInt(m[3] ?? '0'), m[4] === undefined ? [] : m[4].split('.'));
}
