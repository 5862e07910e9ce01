// A CRD of structural-schema shapes (not, oneOf/anyOf/allOf and their mixes, defaults that make
// them match or fail, CEL reading defaults), with values for each of its fields: the cluster
// tier sends them to the apiserver, the unit tier checks our exact findings on them.
import { crdYaml } from './crdYaml';

export const SHAPES_GROUP = 'shapes.plumbline.dev';
// Each property of spec is one shape; the comment says what the apiserver is asked.
const SPEC_SCHEMA = `              type: object
              properties:
                # not: a and b never together
                pair:
                  type: object
                  not: {required: [a, b]}
                  properties:
                    a: {type: string}
                    b: {type: string}
                # not on a scalar
                tier:
                  type: string
                  not: {enum: [legacy, beta]}
                # oneOf: exactly one of git and oci
                source:
                  type: object
                  oneOf:
                    - required: [git]
                    - required: [oci]
                  properties:
                    git: {type: string}
                    oci: {type: string}
                    path: {type: string}
                # oneOf whose branches overlap: a start of 0 or more with an end matches both
                window:
                  type: object
                  oneOf:
                    - properties: {start: {minimum: 0}}
                    - required: [end]
                  properties:
                    start: {type: integer}
                    end: {type: integer}
                # anyOf with a not inside a branch
                access:
                  type: object
                  anyOf:
                    - required: [user]
                      not: {required: [token]}
                    - required: [token]
                      properties: {token: {minLength: 8}}
                  properties:
                    user: {type: string}
                    token: {type: string}
                # oneOf with a not branch
                mode:
                  type: object
                  oneOf:
                    - not: {required: [image]}
                    - required: [image, tag]
                  properties:
                    image: {type: string}
                    tag: {type: string}
                    command: {type: string}
                # allOf of anyOfs
                net:
                  type: object
                  allOf:
                    - anyOf: [{required: [host]}, {required: [ip]}]
                    - anyOf: [{required: [port]}, {required: [service]}]
                  properties:
                    host: {type: string}
                    ip: {type: string}
                    port: {type: integer}
                    service: {type: string}
                # not around an anyOf: neither debug nor trace
                quiet:
                  type: object
                  not: {anyOf: [{required: [debug]}, {required: [trace]}]}
                  properties:
                    debug: {type: boolean}
                    trace: {type: boolean}
                    level: {type: string}
                # required next to a default: an absent field with a default is no missing field
                retry:
                  type: object
                  required: [attempts]
                  properties:
                    attempts: {type: integer, default: 3, minimum: 1}
                    backoff: {type: string, default: 10s}
                # a default that makes a oneOf match twice: script with the defaulted mode
                runner:
                  type: object
                  oneOf:
                    - required: [mode]
                    - required: [script]
                  properties:
                    mode: {type: string, default: auto}
                    script: {type: string}
                # a default that makes a branch fail: kind defaults to manual, which needs an approver
                gate:
                  type: object
                  anyOf:
                    - required: [approver]
                      properties: {kind: {enum: [manual]}}
                    - properties: {kind: {enum: [auto]}}
                  properties:
                    kind: {type: string, default: manual}
                    approver: {type: string}
                # a default that makes a not match: ttl is always set, so cache must not be
                store:
                  type: object
                  not: {required: [cache, ttl]}
                  properties:
                    cache: {type: string}
                    ttl: {type: integer, default: 60}
                # min/maxProperties count defaulted fields
                small:
                  type: object
                  maxProperties: 2
                  properties:
                    p: {type: string}
                    q: {type: string}
                    r: {type: string, default: z}
                big:
                  type: object
                  minProperties: 2
                  properties:
                    p: {type: string}
                    q: {type: string, default: z}
                # CEL reading defaulted fields, nested defaults under a present and an absent parent
                outer:
                  type: object
                  x-kubernetes-validations:
                    - rule: "self.inner.level <= self.cap"
                      message: level must not exceed cap
                    - rule: "!has(self.watch) || self.watch.period >= 10"
                      message: watch period is at least 10 seconds
                  properties:
                    cap: {type: integer, default: 6}
                    inner:
                      type: object
                      default: {}
                      properties:
                        level: {type: integer, default: 5}
                    watch:
                      type: object
                      properties:
                        period: {type: integer, default: 30}
                # a default whose own fields are defaulted too: the CRD is accepted ({} fits maxProperties), the objects are not
                reserve:
                  type: object
                  properties:
                    pool:
                      type: object
                      default: {}
                      maxProperties: 1
                      properties:
                        a: {type: string, default: x}
                        b: {type: string, default: v}
                    spare:
                      type: object
                      maxProperties: 1
                      properties:
                        c: {type: string}
                        d: {type: string, default: z}
                # list items defaulted one by one, and a rule on each item reading its default
                steps:
                  type: array
                  maxItems: 4
                  items:
                    type: object
                    required: [name, timeout]
                    x-kubernetes-validations:
                      - rule: "self.timeout <= 60 || self.name.startsWith('long-')"
                        message: only long- steps may take more than 60 seconds
                    properties:
                      name: {type: string, maxLength: 16}
                      timeout: {type: integer, default: 90}
`;

export const SHAPES_CRD = crdYaml({ group: SHAPES_GROUP, kind: 'Shape', plural: 'shapes' }, SPEC_SCHEMA);

// Each field's values: some values fit, some do not, some fit only because of a default (or fail because of one).
export const SHAPE_POOLS: Record<string, string[]> = {
  pair: ['{a: x}', '{b: w}', '{a: x, b: w}', '{}', '{a: x, b: null}'],
  tier: ['gold', 'legacy', 'beta', 'silver'],
  source: ['{git: repo}', '{oci: image}', '{git: repo, oci: image}', '{path: ./x}', '{git: repo, oci: null}'],
  window: ['{start: 1}', '{end: 5}', '{start: 1, end: 5}', '{start: -1, end: 5}', '{start: -1}', '{}', '{start: null, end: 5}'],
  access: ['{user: me}', '{token: abcdefgh}', '{user: me, token: abcdefgh}', '{user: me, token: short}', '{}'],
  mode: ['{}', '{command: run}', '{image: nginx}', '{image: nginx, tag: "1.27"}', '{tag: "1.27"}'],
  net: ['{host: a, port: 80}', '{ip: 10.0.0.1, service: web}', '{host: a}', '{port: 80}', '{}'],
  quiet: ['{level: info}', '{debug: true}', '{trace: false}', '{}', '{debug: null}'],
  retry: ['{}', '{attempts: 5}', '{attempts: 0}', '{backoff: 1m}', '{attempts: null}'],
  runner: ['{}', '{mode: manual}', '{script: run.sh}', '{mode: manual, script: run.sh}'],
  gate: ['{}', '{approver: me}', '{kind: auto}', '{kind: manual, approver: me}', '{kind: auto, approver: me}'],
  store: ['{}', '{cache: redis}', '{ttl: 5}', '{cache: redis, ttl: null}'],
  small: ['{}', '{p: a}', '{p: a, q: b}', '{p: a, r: c}'],
  big: ['{}', '{p: a}', '{q: b}', '{p: a, q: b}'],
  outer: ['{}', '{cap: 4}', '{inner: {level: 8}}', '{inner: {}}', '{watch: {}}', '{watch: {period: 5}}', '{cap: 9, inner: {level: 8}, watch: {period: 12}}', '{inner: null, cap: 4}', '{watch: {period: null}}'],
  reserve: ['{pool: {a: w, b: v}}', '{spare: {}}', '{spare: {c: w}}', '{}'],
  steps: ['[{name: a, timeout: 30}]', '[{name: a}]', '[{name: long-a}]', '[{name: b, timeout: 30}, {name: c}]', '[]', '[{name: a, timeout: null}]'],
};

/** A Shape named `name` whose spec is `spec` (lines indented under `spec:`): spec's fields start on line 7. */
export const shapeManifest = (name: string, spec: string): string => `apiVersion: ${SHAPES_GROUP}/v1\nkind: Shape\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n${spec}\n`;
