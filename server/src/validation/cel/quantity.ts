/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource) for the CEL `quantity`
 * library: exact values as a fraction of bigints, so 1Gi, 1024Mi and 1073741824 compare equal.
 */
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

export class Quantity {
  /** The value is num / den, den > 0. */
  constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}

  compare(other: Quantity): number {
    const a = this.num * other.den;
    const b = other.num * this.den;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.num * other.den + other.num * this.den, this.den * other.den);
  }

  negate(): Quantity {
    return new Quantity(-this.num, this.den);
  }

  isInteger(): boolean {
    return this.num % this.den === 0n && this.num / this.den <= INT64_MAX && this.num / this.den >= INT64_MIN;
  }

  /** The value as an int64; throws as the apiserver does when it is fractional or too large. */
  asInteger(): bigint {
    if (!this.isInteger()) throw new Error('cannot convert value to integer');
    return this.num / this.den;
  }

  asApproximateFloat(): number {
    return Number(this.num) / Number(this.den);
  }

  sign(): bigint {
    return this.num > 0n ? 1n : this.num < 0n ? -1n : 0n;
  }
}

/** A parsed quantity, or undefined for text that is not one (`12 GB`, `1.5.2`, ``). */
export function parseQuantity(text: string): Quantity | undefined {
  const m = QUANTITY.exec(text.trim() === text ? text : '');
  if (m === null) return undefined;
  const [, sign = '', digits = '', suffix = ''] = m;
  const [whole = '', frac = ''] = digits.split('.');
  let num = BigInt((whole === '' ? '0' : whole) + frac);
  let den = 10n ** BigInt(frac.length);
  if (sign === '-') num = -num;
  if (suffix in BINARY) num *= BINARY[suffix] ?? 1n;
  else if (suffix !== '') {
    const exp = suffix in DECIMAL ? (DECIMAL[suffix] ?? 0) : Number(suffix.slice(1));
    // Kubernetes refuses exponents it cannot represent; this bound keeps bigints small.
    if (Math.abs(exp) > 64) return undefined;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  return new Quantity(num, den);
}

export function quantityOf(text: string): Quantity {
  const q = parseQuantity(text);
  if (q === undefined) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${text}`);
  return q;
}

export function quantityFromInt(n: bigint): Quantity {
  return new Quantity(n, 1n);
}
