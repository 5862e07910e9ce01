/**
 * IP addresses and CIDRs for the Kubernetes CEL `ip` and `cidr` libraries, parsed as the
 * apiserver parses them (netip with Kubernetes' extra rules: no zones, no IPv4-mapped IPv6, no
 * leading zeros in IPv4 octets).
 */
export class IPAddress {
  constructor(
    readonly family: 4 | 6,
    /** The address as one number: 32 or 128 bits. */
    readonly bits: bigint,
  ) {}

  get width(): bigint {
    return this.family === 4 ? 32n : 128n;
  }

  toString(): string {
    if (this.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((this.bits >> s) & 255n)).join('.');
    const groups = [];
    for (let i = 7n; i >= 0n; i--) groups.push(Number((this.bits >> (i * 16n)) & 0xffffn));
    // RFC 5952: the longest run (two or more) of zero groups becomes `::`.
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLen) {
        best = i;
        bestLen = j - i;
      }
      i = j === i ? i + 1 : j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (best < 0) return hex.join(':');
    return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
  }

  isUnspecified(): boolean {
    return this.bits === 0n;
  }

  isLoopback(): boolean {
    return this.family === 4 ? this.bits >> 24n === 127n : this.bits === 1n;
  }

  isLinkLocalMulticast(): boolean {
    return this.family === 4 ? this.bits >> 8n === 0xe00000n : this.bits >> 112n === 0xff02n;
  }

  isLinkLocalUnicast(): boolean {
    return this.family === 4 ? this.bits >> 16n === 0xa9fen : this.bits >> 118n === 0x3fan;
  }

  isGlobalUnicast(): boolean {
    if (this.isUnspecified() || this.isLoopback() || this.isLinkLocalUnicast() || this.isLinkLocalMulticast()) return false;
    if (this.family === 4) return this.bits >> 28n !== 0xen && this.bits !== 0xffffffffn;
    return this.bits >> 120n !== 0xffn;
  }
}

export class CIDR {
  constructor(
    readonly address: IPAddress,
    readonly prefix: number,
  ) {}

  private mask(): bigint {
    const w = this.address.width;
    return ((1n << w) - 1n) ^ ((1n << (w - BigInt(this.prefix))) - 1n);
  }

  containsIP(ip: IPAddress): boolean {
    return ip.family === this.address.family && (ip.bits & this.mask()) === (this.address.bits & this.mask());
  }

  containsCIDR(other: CIDR): boolean {
    return other.prefix >= this.prefix && this.containsIP(other.address);
  }

  masked(): CIDR {
    return new CIDR(new IPAddress(this.address.family, this.address.bits & this.mask()), this.prefix);
  }

  toString(): string {
    return `${this.address.toString()}/${this.prefix}`;
  }
}

const OCTET = /^(0|[1-9]\d{0,2})$/;

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!OCTET.test(p) || Number(p) > 255) return undefined;
    out = (out << 8n) | BigInt(p);
  }
  return out;
}

function parseIPv6(text: string): bigint | undefined {
  if (text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const out: bigint[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? '';
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(BigInt(`0x${p}`));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<bigint>(halves.length === 2 ? missing : 0).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseIP(text: string): IPAddress | undefined {
  if (text.includes(':')) {
    const bits = parseIPv6(text);
    // Kubernetes refuses IPv4-mapped IPv6 (::ffff:1.2.3.4): it is ambiguous between families.
    if (bits === undefined || bits >> 32n === 0xffffn) return undefined;
    return new IPAddress(6, bits);
  }
  const bits = parseIPv4(text);
  return bits === undefined ? undefined : new IPAddress(4, bits);
}

export function parseCIDR(text: string): CIDR | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^(0|[1-9]\d*)$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > Number(address.width)) return undefined;
  return new CIDR(address, prefix);
}
