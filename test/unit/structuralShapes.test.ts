// Structural-schema shapes as the kube-apiserver judges them (the cluster tier's
// schemaDifferential test asks the real one about the same CRD): `not`, oneOf counted to exactly
// one, allOf of anyOfs, and the object validated after the schema's defaults are filled in.
// Each finding must sit on the line to change (for a default, the key above it) and say what to do.
import { describe, test } from 'node:test';
import type { CheckOptions } from '../../server/src/check/checkFile';
import { SchemaBundle, indexKinds, type SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { crdBundle, crdDefinitions } from '../../server/src/schemas/workspaceCrds';
import { expectCheckFindings } from '../support/checkExpect';
import { SHAPES_CRD } from '../support/structuralShapes';

const base: SchemaBundleData = { format: 1, kubernetesVersion: 'v0.0.0-test', sources: {}, definitions: {}, kinds: {} };
const bundled = new SchemaBundle(base, { kind: 'bundled', label: 'test schemas', kubernetesVersion: 'v0.0.0-test' });
const schemas = new SchemaResolver([bundled]);
schemas.setWorkspaceCrds([crdBundle(crdDefinitions(SHAPES_CRD), 'crds/shapes.yaml', bundled)]);
const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas, unknownKind: 'information' };

const HEAD = 'apiVersion: shapes.plumbline.dev/v1\nkind: Shape\nmetadata:\n  name: s\nspec:\n';
const expectFindings = (spec: string, options: CheckOptions = OPTIONS): void => expectCheckFindings(`${HEAD}${spec}`, options, { sorted: true });

describe('not', () => {
  test('not required: the pair may not be set together; one alone, or one with a null partner, is fine', () => {
    expectFindings(`  pair:
  ^^^^ error: \`a\` and \`b\` must not all be set in Shape spec.pair; remove one of them
    a: x
    b: w
`);
    expectFindings(`  pair:
    a: x
    b:
`);
  });

  test('not enum on a scalar, said as the values it must not be', () => {
    expectFindings(`  tier: legacy
        ^^^^^^ error: Shape spec.tier must not be such that it is \`legacy\` or \`beta\` (the schema's \`not\`); change it
`);
    expectFindings('  tier: gold\n');
  });

  test('not around an anyOf: neither field may be set, and a null one is not set', () => {
    expectFindings(`  quiet:
  ^^^^^ error: Shape spec.quiet must not be such that (\`debug\` is set) or (\`trace\` is set) (the schema's \`not\`); change it
    trace: false
`);
    expectFindings('  quiet:\n    debug:\n    level: info\n');
  });

  test('a not inside an anyOf branch makes that branch fail; the other branch still may match', () => {
    expectFindings('  access:\n    user: me\n    token: abcdefgh\n');
    expectFindings(`  access:
  ^^^^^^ error: \`token\` must not be set in Shape spec.access; remove it
    user: me
    token: short
`);
  });

  test('a not branch of a oneOf', () => {
    expectFindings('  mode:\n    command: run\n');
    expectFindings('  mode:\n    image: nginx\n    tag: "1.27"\n');
    expectFindings(`  mode:
  ^^^^ error: \`image\` must not be set in Shape spec.mode; remove it
    image: nginx
`);
  });
});

describe('oneOf counts its matches', () => {
  test('two branches that both match are refused, as the apiserver refuses them ("Found 2 valid alternatives")', () => {
    expectFindings(`  source:
  ^^^^^^ error: Shape spec.source sets \`git\` and \`oci\`, but exactly one of the oneOf alternatives may match (2 do); keep one and remove the others
    git: repo
    oci: image
`);
  });

  test('no branch: which fields to set', () => {
    expectFindings(`  source:
  ^^^^^^ error: Shape spec.source needs exactly one of \`git\`, \`oci\` (oneOf); set one
    path: ./x
`);
  });

  test('overlapping branches: a start of 0 or more and an end match both; a negative start with an end only one', () => {
    expectFindings(`  window:
  ^^^^^^ error: Shape spec.window matches 2 of its oneOf alternatives: (\`start\`, where set, is at least 0), (\`end\` is set), but must match exactly one; change it so that only one fits
    start: 1
    end: 5
`);
    expectFindings('  window:\n    start: -1\n    end: 5\n');
    expectFindings(`  window:
    start: -1
           ^^ error: Shape spec.window.start must be at least 0
`);
  });
});

describe('allOf of anyOfs', () => {
  test('each anyOf must hold on its own (merged, the second overwrote the first)', () => {
    expectFindings('  net:\n    host: a\n    port: 80\n');
    expectFindings(`  net:
  ^^^ error: Shape spec.net needs at least one of \`host\`, \`ip\` (anyOf); set one
    port: 80
`);
    expectFindings(`  net:
  ^^^ error: Shape spec.net needs at least one of \`port\`, \`service\` (anyOf); set one
    ip: 10.0.0.1
`);
  });
});

describe('defaults are filled in before the checks', () => {
  test('a required field with a default is not missing, nor when written as null', () => {
    expectFindings('  retry: {}\n');
    expectFindings('  retry:\n    attempts:\n');
    expectFindings(`  retry:
    attempts: 0
              ^ error: Shape spec.retry.attempts must be at least 1
`);
  });

  test('a default that makes a second oneOf branch match is named', () => {
    expectFindings('  runner: {}\n');
    expectFindings(`  runner:
  ^^^^^^ error: Shape spec.runner sets \`mode\` and \`script\`, but exactly one of the oneOf alternatives may match (2 do); keep one and remove the others (the apiserver fills in the default \`mode: "auto"\` before it checks)
    script: run.sh
`);
  });

  test('a default that makes a branch fail: the closest branch says what is missing, and names the default', () => {
    expectFindings(`  gate: {}
  ^^^^ error: missing required field \`approver\` in Shape spec.gate (the apiserver fills in the default \`kind: "manual"\` before it checks)
`);
    expectFindings('  gate:\n    kind: auto\n');
  });

  test('a default that makes a not match, also where the field is written as null', () => {
    expectFindings('  store:\n    ttl: 5\n');
    expectFindings(`  store:
  ^^^^^ error: \`cache\` and \`ttl\` must not all be set in Shape spec.store; remove one of them (the apiserver fills in the default \`ttl: 60\` before it checks)
    cache: redis
    ttl:
`);
  });

  test('min/maxProperties count the defaults', () => {
    expectFindings('  small:\n    p: a\n');
    expectFindings(`  small:
  ^^^^^ error: Shape spec.small allows at most 2 field(s) (the apiserver fills in the default \`r: "z"\` before it checks)
    p: a
    q: b
`);
    expectFindings('  big:\n    p: a\n');
    expectFindings(`  big:
  ^^^ error: Shape spec.big needs at least 2 field(s)
    q: b
`);
  });

  test('CEL reads defaults, nested ones under a present parent, none under an absent one', () => {
    expectFindings('  outer: {}\n');
    expectFindings('  outer:\n    watch: {}\n');
    expectFindings(`  outer:
  ^^^^^ error: Shape spec.outer: Invalid value: level must not exceed cap
    cap: 4
`);
    expectFindings(`  outer:
  ^^^^^ error: Shape spec.outer: Invalid value: watch period is at least 10 seconds
    watch:
      period: 5
`);
  });

  test('list items are defaulted one by one; a rule on an item reads its default, found at the item', () => {
    expectFindings(`  steps:
    - name: long-a
    - name: a
      ^^^^ error: Shape spec.steps[1]: Invalid value: only long- steps may take more than 60 seconds
    - name: b
      timeout: 30
`);
  });
});

describe('a finding on a default itself', () => {
  test('a default whose own fields are defaulted breaks a bound: the finding sits on the key above and names both defaults', () => {
    expectFindings(`  reserve: {}
  ^^^^^^^ error: Shape spec.reserve.pool allows at most 1 field(s) (the apiserver fills in the defaults \`a: "x"\`, \`b: "v"\` before it checks) (\`pool\` is not set, so the apiserver sets its default {}; set \`pool\` to a value that fits)
`);
    expectFindings(`  reserve:
  ^^^^^^^ error: Shape spec.reserve.pool allows at most 1 field(s) (the apiserver fills in the defaults \`a: "x"\`, \`b: "v"\` before it checks) (\`pool\` is not set, so the apiserver sets its default {}; set \`pool\` to a value that fits)
    spare:
    ^^^^^ error: Shape spec.reserve.spare allows at most 1 field(s) (the apiserver fills in the default \`d: "z"\` before it checks)
      c: w
`);
  });
});

describe('defaults apply to custom resources only', () => {
  // A built-in kind's OpenAPI `default`s are documentation (Go code defaults it): `containerPort`
  // has `default: 0` and is still required.
  const port: OpenApiSchema = { type: 'object', required: ['containerPort'], properties: { containerPort: { type: 'integer', default: 0 }, name: { type: 'string' } } };
  const definitions: Record<string, OpenApiSchema> = {
    'io.k8s.api.core.v1.Probe': { type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: { type: 'object', properties: { port } } }, 'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'PortHolder' }] },
  };
  const data: SchemaBundleData = { format: 1, kubernetesVersion: 'v0.0.0-test', sources: {}, definitions, kinds: indexKinds(definitions) };
  const builtIn = new SchemaResolver([new SchemaBundle(data, { kind: 'bundled', label: 'test schemas', kubernetesVersion: 'v0.0.0-test' })]);
  test('a built-in kind: a field with an OpenAPI default is still missing', () => {
    expectCheckFindings(
      `apiVersion: v1
kind: PortHolder
metadata:
  name: p
spec:
  port:
  ^^^^ error: missing required field \`containerPort\` in PortHolder spec.port
    name: web
`,
      { role: { kind: 'manifests' }, schemas: builtIn, unknownKind: 'information' },
    );
  });

  test('a patch is defaulted only once merged: a partial object gets no defaults', () => {
    expectFindings('  runner:\n    script: run.sh\n', { ...OPTIONS, role: { kind: 'patch', use: 'strategic-merge' } });
  });
});
