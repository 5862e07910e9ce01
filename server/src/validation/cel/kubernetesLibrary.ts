import { Environment, Optional } from '@marcbachmann/cel-js';
import { compareValues, celEquals } from './celValue';
import { CIDR, IPAddress, parseCIDR, parseIP } from './net';
import { NAMED_FORMATS } from './namedFormats';
import { Quantity, parseQuantity, quantityFromInt, quantityOf } from './quantity';
import { Semver, parseSemver } from './semver';
import { re2RegExp } from '../re2';

/** How a regex JavaScript cannot run is named in errors, so the rule is a note, not a failure. */
export const UNTRANSLATED_REGEX = 'RE2 regex without a JavaScript translation';

/** The value of `url(...)`: Go's url.URL as far as the Kubernetes URL library reads it. */
class KubeURL {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly hostname: string,
    readonly port: string,
    readonly escapedPath: string,
    readonly query: string,
  ) {}
}

/** The receivers of `sets.…(…)` and `format.…(…)`: the engine spells namespaced functions as methods of a constant. */
class SetsLibrary {}
class FormatLibrary {}
/** `ip.isCanonical(…)`: a namespaced function beside the `ip(…)` conversion. */
class IPLibrary {}
class NamedFormat {
  constructor(
    readonly name: string,
    readonly check: (v: string) => string[],
  ) {}
}

/** `strings.quote(…)` and `lists.range(…)`: namespaced functions, spelled as methods of a constant. */
class StringsLibrary {}
class ListsLibrary {}

/** cel-go's strings.quote: a double-quoted string with Go-like escapes. */
function quote(s: string): string {
  const escapes: Record<string, string> = { '\u0007': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' };
  return `"${[...s].map((c) => escapes[c] ?? c).join('')}"`;
}

function unwrap(list: unknown[]): unknown[] {
  return list.flatMap((o): unknown[] => (o instanceof Optional && o.hasValue() ? [o.value() as unknown] : []));
}

/** The zero value of a CEL value's type (optional.ofNonZeroValue): 0, '', false, empty list or map, null. */
function isZeroValue(v: unknown): boolean {
  if (v === undefined || v === null || v === 0n || v === 0 || v === '' || v === false) return true;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v).length === 0;
  return false;
}

/** Like Go's url.ParseRequestURI: an absolute URI, or an absolute path. */
function parseURL(text: string): KubeURL | undefined {
  if (text.startsWith('/')) {
    const q = text.indexOf('?');
    return new KubeURL('', '', '', '', q < 0 ? text : text.slice(0, q), q < 0 ? '' : text.slice(q + 1));
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text) || /\s/.test(text)) return undefined;
  try {
    const u = new URL(text);
    const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    return new KubeURL(u.protocol.slice(0, -1), u.host, hostname, u.port, u.pathname === '/' && !/^[^:]+:\/\/[^/]*\/$/.test(text) ? '' : u.pathname, u.search.slice(1));
  } catch {
    return undefined;
  }
}

function must<T>(value: T | undefined, what: string, text: string): T {
  if (value === undefined) throw new Error(`${what}: ${text}`);
  return value;
}

function toIntOrQuantity(v: Quantity | bigint): Quantity {
  return typeof v === 'bigint' ? quantityFromInt(v) : v;
}

function listExtreme(list: unknown[], sign: 1 | -1): unknown {
  // The apiserver's words, which end up in the finding.
  if (list.length === 0) throw new Error(`${sign > 0 ? 'max' : 'min'} called on empty list`);
  return list.reduce((best, x) => (compareValues(x, best) * sign > 0 ? x : best));
}

/** `g` for matchAll (which copies the regex, so the cached one keeps no state); none for exec. */
function compileRegex(pattern: string, flags: '' | 'g' = 'g'): RegExp {
  // RE2's syntax in JavaScript's (`(?i)`, `\z`…); one with no translation cannot be run here.
  const re = re2RegExp(pattern, flags);
  if (re === undefined) throw new Error(`${UNTRANSLATED_REGEX}: ${pattern}`);
  return re;
}

/**
 * A CEL environment with the Kubernetes libraries the apiserver adds (quantity, url, regex,
 * lists, sets, ip, cidr, semver, format, string extensions), `self` and `oldSelf` untyped as the
 * apiserver's structural types are not modelled here.
 */
export function kubernetesEnvironment(): Environment {
  const env = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: false });
  env
    .registerType('kubernetes.Quantity', Quantity)
    .registerType('kubernetes.URL', KubeURL)
    .registerType('net.IP', IPAddress)
    .registerType('net.CIDR', CIDR)
    .registerType('kubernetes.Semver', Semver)
    .registerType('kubernetes.SetsLibrary', SetsLibrary)
    .registerType('kubernetes.FormatLibrary', FormatLibrary)
    .registerType('kubernetes.IPLibrary', IPLibrary)
    .registerType('kubernetes.NamedFormat', NamedFormat)
    .registerType('kubernetes.StringsLibrary', StringsLibrary)
    .registerType('kubernetes.ListsLibrary', ListsLibrary)
    .registerConstant('strings', 'kubernetes.StringsLibrary', new StringsLibrary())
    .registerConstant('sets', 'kubernetes.SetsLibrary', new SetsLibrary())
    .registerConstant('format', 'kubernetes.FormatLibrary', new FormatLibrary())
    .registerConstant('ip', 'kubernetes.IPLibrary', new IPLibrary());

  // quantity
  env
    .registerFunction('quantity(string): kubernetes.Quantity', (s: string) => quantityOf(s))
    .registerFunction('isQuantity(string): bool', (s: string) => parseQuantity(s) !== undefined)
    .registerFunction('kubernetes.Quantity.isLessThan(kubernetes.Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) < 0)
    .registerFunction('kubernetes.Quantity.isGreaterThan(kubernetes.Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) > 0)
    .registerFunction('kubernetes.Quantity.compareTo(kubernetes.Quantity): int', (a: Quantity, b: Quantity) => BigInt(a.compare(b)))
    .registerFunction('kubernetes.Quantity.add(kubernetes.Quantity): kubernetes.Quantity', (a: Quantity, b: Quantity) => a.add(b))
    .registerFunction('kubernetes.Quantity.add(int): kubernetes.Quantity', (a: Quantity, b: bigint) => a.add(toIntOrQuantity(b)))
    .registerFunction('kubernetes.Quantity.sub(kubernetes.Quantity): kubernetes.Quantity', (a: Quantity, b: Quantity) => a.add(b.negate()))
    .registerFunction('kubernetes.Quantity.sub(int): kubernetes.Quantity', (a: Quantity, b: bigint) => a.add(toIntOrQuantity(b).negate()))
    .registerFunction('kubernetes.Quantity.asInteger(): int', (a: Quantity) => a.asInteger())
    .registerFunction('kubernetes.Quantity.isInteger(): bool', (a: Quantity) => a.isInteger())
    .registerFunction('kubernetes.Quantity.asApproximateFloat(): double', (a: Quantity) => a.asApproximateFloat())
    // A global function to the apiserver (its docs say a method; its declaration is global).
    .registerFunction('sign(kubernetes.Quantity): int', (a: Quantity) => a.sign());

  // url
  env
    .registerFunction('url(string): kubernetes.URL', (s: string) => must(parseURL(s), 'URL parse error during conversion from string', s))
    .registerFunction('isURL(string): bool', (s: string) => parseURL(s) !== undefined)
    .registerFunction('kubernetes.URL.getScheme(): string', (u: KubeURL) => u.scheme)
    .registerFunction('kubernetes.URL.getHost(): string', (u: KubeURL) => u.host)
    .registerFunction('kubernetes.URL.getHostname(): string', (u: KubeURL) => u.hostname)
    .registerFunction('kubernetes.URL.getPort(): string', (u: KubeURL) => u.port)
    .registerFunction('kubernetes.URL.getEscapedPath(): string', (u: KubeURL) => u.escapedPath)
    .registerFunction('kubernetes.URL.getQuery(): map<string, list<string>>', (u: KubeURL) => {
      const out: Record<string, string[]> = {};
      for (const [k, v] of new URLSearchParams(u.query)) (out[k] ??= []).push(v);
      return out;
    });

  // regex
  env
    // The global spelling the apiserver declares too (the engine has only the method).
    .registerFunction('matches(string, string): bool', (s: string, re: string) => compileRegex(re, '').test(s))
    .registerFunction('string.find(string): string', (s: string, re: string) => compileRegex(re, '').exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, re: string) => [...s.matchAll(compileRegex(re))].map((m) => m[0]))
    .registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
      const all = [...s.matchAll(compileRegex(re))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    });

  // lists
  env
    .registerFunction('list.isSorted(): bool', (l: unknown[]) => l.every((x, i) => i === 0 || compareValues(l[i - 1], x) <= 0))
    .registerFunction('list.sum(): dyn', (l: unknown[]) => {
      if (l.length === 0) return 0n;
      return l.reduce((a, b) => (typeof a === 'bigint' && typeof b === 'bigint' ? a + b : Number(a) + Number(b)));
    })
    .registerFunction('list.min(): dyn', (l: unknown[]) => listExtreme(l, -1))
    .registerFunction('list.max(): dyn', (l: unknown[]) => listExtreme(l, 1))
    .registerFunction('list.indexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(l.findIndex((x) => celEquals(x, v))))
    .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => {
      for (let i = l.length - 1; i >= 0; i--) if (celEquals(l[i], v)) return BigInt(i);
      return -1n;
    });

  // sets
  env
    .registerFunction('kubernetes.SetsLibrary.contains(list, list): bool', (_: SetsLibrary, a: unknown[], b: unknown[]) => b.every((x) => a.some((y) => celEquals(x, y))))
    .registerFunction('kubernetes.SetsLibrary.equivalent(list, list): bool', (_: SetsLibrary, a: unknown[], b: unknown[]) =>
      b.every((x) => a.some((y) => celEquals(x, y))) && a.every((x) => b.some((y) => celEquals(x, y))),
    )
    .registerFunction('kubernetes.SetsLibrary.intersects(list, list): bool', (_: SetsLibrary, a: unknown[], b: unknown[]) => a.some((x) => b.some((y) => celEquals(x, y))));

  // ip and cidr
  env
    .registerFunction('ip(string): net.IP', (s: string) => must(parseIP(s), 'IP Address parse error during conversion from string', s))
    .registerFunction('isIP(string): bool', (s: string) => parseIP(s) !== undefined)
    // The canonical form is the one the address prints as (RFC 5952 for IPv6: lower case, `::` for the longest zero run).
    .registerFunction('kubernetes.IPLibrary.isCanonical(string): bool', (_: IPLibrary, s: string) => must(parseIP(s), 'IP Address parse error during conversion from string', s).toString() === s)
    .registerFunction('net.IP.family(): int', (ip: IPAddress) => BigInt(ip.family))
    .registerFunction('net.IP.isUnspecified(): bool', (ip: IPAddress) => ip.isUnspecified())
    .registerFunction('net.IP.isLoopback(): bool', (ip: IPAddress) => ip.isLoopback())
    .registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: IPAddress) => ip.isLinkLocalMulticast())
    .registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: IPAddress) => ip.isLinkLocalUnicast())
    .registerFunction('net.IP.isGlobalUnicast(): bool', (ip: IPAddress) => ip.isGlobalUnicast())
    .registerFunction('string(net.IP): string', (ip: IPAddress) => ip.toString())
    .registerFunction('cidr(string): net.CIDR', (s: string) => must(parseCIDR(s), 'network address parse error during conversion from string', s))
    .registerFunction('isCIDR(string): bool', (s: string) => parseCIDR(s) !== undefined)
    .registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CIDR, ip: IPAddress) => c.containsIP(ip))
    .registerFunction('net.CIDR.containsIP(string): bool', (c: CIDR, s: string) => c.containsIP(must(parseIP(s), 'IP Address parse error', s)))
    .registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDR, o: CIDR) => c.containsCIDR(o))
    .registerFunction('net.CIDR.containsCIDR(string): bool', (c: CIDR, s: string) => c.containsCIDR(must(parseCIDR(s), 'network address parse error', s)))
    .registerFunction('net.CIDR.ip(): net.IP', (c: CIDR) => c.address)
    .registerFunction('net.CIDR.masked(): net.CIDR', (c: CIDR) => c.masked())
    .registerFunction('net.CIDR.prefixLength(): int', (c: CIDR) => BigInt(c.prefix))
    .registerFunction('string(net.CIDR): string', (c: CIDR) => c.toString());

  // semver
  env
    .registerFunction('semver(string): kubernetes.Semver', (s: string) => must(parseSemver(s), 'semver parse error', s))
    .registerFunction('semver(string, bool): kubernetes.Semver', (s: string, n: boolean) => must(parseSemver(s, n), 'semver parse error', s))
    .registerFunction('isSemver(string): bool', (s: string) => parseSemver(s) !== undefined)
    .registerFunction('isSemver(string, bool): bool', (s: string, n: boolean) => parseSemver(s, n) !== undefined)
    .registerFunction('kubernetes.Semver.major(): int', (v: Semver) => v.major)
    .registerFunction('kubernetes.Semver.minor(): int', (v: Semver) => v.minor)
    .registerFunction('kubernetes.Semver.patch(): int', (v: Semver) => v.patch)
    .registerFunction('kubernetes.Semver.isLessThan(kubernetes.Semver): bool', (a: Semver, b: Semver) => a.compare(b) < 0)
    .registerFunction('kubernetes.Semver.isGreaterThan(kubernetes.Semver): bool', (a: Semver, b: Semver) => a.compare(b) > 0)
    .registerFunction('kubernetes.Semver.compareTo(kubernetes.Semver): int', (a: Semver, b: Semver) => BigInt(a.compare(b)));

  // format
  env.registerFunction('kubernetes.FormatLibrary.named(string): optional<kubernetes.NamedFormat>', (_: FormatLibrary, name: string) => {
    const check = NAMED_FORMATS.get(name);
    return check === undefined ? Optional.none() : Optional.of(new NamedFormat(name, check));
  });
  for (const [name, check] of NAMED_FORMATS) {
    env.registerFunction(`kubernetes.FormatLibrary.${name}(): kubernetes.NamedFormat`, () => new NamedFormat(name, check));
  }
  env.registerFunction('kubernetes.NamedFormat.validate(string): optional<list<string>>', (f: NamedFormat, s: string) => {
    const errors = f.check(s);
    return errors.length === 0 ? Optional.none() : Optional.of(errors);
  });

  // Equality of the library's own types, which the engine compares by identity otherwise.
  env
    .registerOperator('kubernetes.Quantity == kubernetes.Quantity', (a: Quantity, b: Quantity) => a.compare(b) === 0)
    .registerOperator('kubernetes.Semver == kubernetes.Semver', (a: Semver, b: Semver) => a.compare(b) === 0)
    .registerOperator('net.IP == net.IP', (a: IPAddress, b: IPAddress) => a.family === b.family && a.bits === b.bits)
    .registerOperator('net.CIDR == net.CIDR', (a: CIDR, b: CIDR) => a.prefix === b.prefix && a.address.family === b.address.family && a.address.bits === b.address.bits)
    .registerOperator('kubernetes.URL == kubernetes.URL', (a: KubeURL, b: KubeURL) => JSON.stringify(a) === JSON.stringify(b));

  // string extensions the engine lacks
  env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      if (i < 0n || i > BigInt(s.length)) throw new Error(`index out of range: ${i}`);
      return [...s][Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
      if (n < 0n) return s.split(a).join(b);
      let out = s;
      let from = 0;
      for (let i = 0n; i < n; i++) {
        const at = out.indexOf(a, from);
        if (at < 0) break;
        out = out.slice(0, at) + b + out.slice(at + a.length);
        from = at + b.length + (a === '' ? 1 : 0);
      }
      return out;
    })
    .registerFunction('kubernetes.StringsLibrary.quote(string): string', (_: StringsLibrary, s: string) => quote(s));

  // cel-go's lists extension (version 3) and optional helpers the engine lacks.
  env
    .registerConstant('lists', 'kubernetes.ListsLibrary', new ListsLibrary())
    .registerFunction('kubernetes.ListsLibrary.range(int): list<int>', (_: ListsLibrary, n: bigint) => Array.from({ length: Math.max(0, Number(n)) }, (_v, i) => BigInt(i)))
    .registerFunction('list.distinct(): list', (l: unknown[]) => l.filter((x, i) => l.findIndex((y) => celEquals(x, y)) === i))
    .registerFunction('list.reverse(): list', (l: unknown[]) => [...l].reverse())
    .registerFunction('list.sort(): list', (l: unknown[]) => [...l].sort(compareValues))
    .registerFunction('list.slice(int, int): list', (l: unknown[], from: bigint, to: bigint) => {
      if (from < 0n || to < 0n) throw new Error(`cannot slice(${from}, ${to}), negative indexes not supported`);
      if (from > to) throw new Error(`cannot slice(${from}, ${to}), start index must be less than or equal to end index`);
      if (to > BigInt(l.length)) throw new Error(`cannot slice(${from}, ${to}), list is length ${l.length}`);
      return l.slice(Number(from), Number(to));
    })
    .registerFunction('list.flatten(): list', (l: unknown[]) => l.flatMap((x): unknown[] => (Array.isArray(x) ? (x as unknown[]) : [x])))
    .registerFunction('list.flatten(int): list', (l: unknown[], depth: bigint) => {
      if (depth < 0n) throw new Error('level must be non-negative');
      const flat: unknown[] = l.flat(Number(depth));
      return flat;
    })
    .registerFunction('list.first(): optional', (l: unknown[]) => (l.length === 0 ? Optional.none() : Optional.of(l[0])))
    .registerFunction('list.last(): optional', (l: unknown[]) => (l.length === 0 ? Optional.none() : Optional.of(l[l.length - 1])))
    .registerFunction('list.unwrapOpt(): list', (l: unknown[]) => unwrap(l))
    .registerFunction('OptionalNamespace.unwrap(list): list', (_: unknown, l: unknown[]) => unwrap(l))
    .registerFunction('OptionalNamespace.ofNonZeroValue(dyn): optional', (_: unknown, v: unknown) => (isZeroValue(v) ? Optional.none() : Optional.of(v)));

  // `type(x) == net.IP`: the apiserver names these two types as identifiers (not the kubernetes.* ones).
  // The engine makes a type's value when it is registered; `type()` of a value hands it out.
  const ipType: unknown = env.evaluate("type(ip('0.0.0.0'))");
  const cidrType: unknown = env.evaluate("type(cidr('0.0.0.0/0'))");
  env.registerConstant('net', 'map<string, type>', { IP: ipType, CIDR: cidrType });
  return env;
}
