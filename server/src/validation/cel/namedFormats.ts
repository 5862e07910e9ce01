/**
 * The formats of the Kubernetes CEL `format` library (`format.dns1123Label()`,
 * `format.named("uuid")`…): each returns the problems of a value, as the apiserver's
 * apimachinery validators word them in short, or none.
 */
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL = new RegExp(`^${LABEL}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

type Check = (value: string) => string[];

const maxLen = (n: number, v: string): string[] => (v.length > n ? [`must be no more than ${n} characters`] : []);

const dns1123Label: Check = (v) => [...maxLen(63, v), ...(DNS1123_LABEL.test(v) ? [] : ["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"])];
const dns1123Subdomain: Check = (v) => [...maxLen(253, v), ...(DNS1123_SUBDOMAIN.test(v) ? [] : ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"])];
const dns1035Label: Check = (v) => [...maxLen(63, v), ...(DNS1035_LABEL.test(v) ? [] : ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"])];
const qualifiedName: Check = (v) => {
  const parts = v.split('/');
  if (parts.length > 2) return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'"];
  const name = parts[parts.length - 1] ?? '';
  const out = parts.length === 2 ? dns1123Subdomain(parts[0] ?? '').map((e) => `prefix part ${e}`) : [];
  if (name === '') out.push('name part must be non-empty');
  else out.push(...maxLen(63, name).map((e) => `name part ${e}`), ...(QUALIFIED_NAME.test(name) ? [] : ["name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"]));
  return out;
};
const labelValue: Check = (v) => (v === '' ? [] : [...maxLen(63, v), ...(QUALIFIED_NAME.test(v) ? [] : ["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"])]);
const prefixOf = (check: Check): Check => (v) => check(v.endsWith('-') ? `${v}a` : v);
const regexCheck = (re: RegExp, what: string): Check => (v) => (re.test(v) ? [] : [`does not match the ${what} format`]);
const uri: Check = (v) => {
  try {
    new URL(v);
    return [];
  } catch {
    return v.startsWith('/') ? [] : ['must be a URI'];
  }
};

export const NAMED_FORMATS: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['dns1123Label', dns1123Label],
  ['dns1123Subdomain', dns1123Subdomain],
  ['dns1035Label', dns1035Label],
  ['qualifiedName', qualifiedName],
  ['dns1123LabelPrefix', prefixOf(dns1123Label)],
  ['dns1123SubdomainPrefix', prefixOf(dns1123Subdomain)],
  ['dns1035LabelPrefix', prefixOf(dns1035Label)],
  ['labelValue', labelValue],
  ['uri', uri],
  ['uuid', regexCheck(UUID, 'uuid')],
  ['byte', regexCheck(BASE64, 'byte (base64)')],
  ['date', regexCheck(DATE, 'date')],
  ['datetime', regexCheck(DATETIME, 'datetime')],
]);
