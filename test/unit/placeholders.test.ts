// Flux's post-build variables as kustomize-controller expands them (fluxcd/pkg/envsubst): a default
// may itself hold variables, as home-lab templates write a claim name, `${VOLSYNC_CLAIM:-${APP}}`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { placeholderNames, substitutePlaceholders, withPlaceholderDefaults } from '../../server/src/manifests/placeholders';
import { substituteVariables } from '../../server/src/environments/substitute';

const expand = (text: string, vars: Record<string, string>): { out: string; unresolved: string[] } => {
  const unresolved = new Set<string>();
  const out = substitutePlaceholders(text, new Map(Object.entries(vars)), unresolved);
  return { out, unresolved: [...unresolved] };
};

describe('post-build variables', () => {
  test('a default that holds a variable: the value when set, else the inner variable, with text around it', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['${VOLSYNC_CLAIM:-${APP}}', { APP: 'zigbee2mqtt', VOLSYNC_CLAIM: 'zigbee2mqtt-data' }, 'zigbee2mqtt-data'],
      ['${VOLSYNC_CLAIM:-${APP}}', { APP: 'zigbee2mqtt' }, 'zigbee2mqtt'],
      ['${VOLSYNC_CLAIM:-${APP}}-backup', { APP: 'plex', VOLSYNC_CLAIM: '' }, 'plex-backup'],
      ['foo: ${var=${default_var}-suffix}', { default_var: 'foo1' }, 'foo: foo1-suffix'],
      ['foo: ${var=prefix${default_var}-suffix}', { default_var: 'foo1' }, 'foo: prefixfoo1-suffix'],
      ['${A:-${B:-${C}}}', { C: 'deep' }, 'deep'],
      ['${A:-x}${B:-y}', {}, 'xy'],
      // Escaped: the outer expression stays as text, the inner variable is still expanded (as Flux does).
      ['something $${var=${default_var}}', { default_var: 'foo' }, 'something ${var=foo}'],
      ['$${APP} and ${APP}', { APP: 'web' }, '${APP} and web'],
    ];
    for (const [text, vars, out] of cases) assert.deepEqual(expand(text, vars), { out, unresolved: [] }, text);
  });

  test('a variable with neither value nor default stays as written, nested or not, and is named', () => {
    assert.deepEqual(expand('${VOLSYNC_CLAIM:-${APP}}', {}), { out: '${VOLSYNC_CLAIM:-${APP}}', unresolved: ['APP'] });
    assert.deepEqual(expand('name: ${APP}-${SUFFIX:=x}', {}), { out: 'name: ${APP}-x', unresolved: ['APP'] });
    // Not an expression at all: left alone.
    assert.deepEqual(expand('${ unclosed ${APP', { APP: 'a' }), { out: '${ unclosed ${APP', unresolved: [] });
  });

  test('names and defaults read through the nesting', () => {
    assert.deepEqual(placeholderNames('${VOLSYNC_CLAIM:-${APP}}-${SIZE:=1Gi} $${LITERAL}'), ['VOLSYNC_CLAIM', 'APP', 'SIZE']);
    assert.equal(withPlaceholderDefaults('${CAPACITY:-${DEFAULT_CAPACITY:=5Gi}}'), '5Gi');
    assert.equal(withPlaceholderDefaults('${CLAIM:-${APP}}'), undefined);
  });

  test("a rendered object's fields: a claim name from a nested default, and a number from a whole nested expression", () => {
    const object = { metadata: { name: '${VOLSYNC_CLAIM:-${APP}}' }, spec: { replicas: '${REPLICAS:-${DEFAULT_REPLICAS}}' } };
    const { value, unresolved } = substituteVariables(object, new Map([['APP', 'zigbee2mqtt'], ['VOLSYNC_CLAIM', 'zigbee2mqtt-data'], ['DEFAULT_REPLICAS', '2']]));
    assert.deepEqual(value, { metadata: { name: 'zigbee2mqtt-data' }, spec: { replicas: 2 } });
    assert.deepEqual([...unresolved], []);
  });

  test('an object without placeholders comes back as it was; a changed one keeps its key order and shares what did not change', () => {
    const plain = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { ports: [80, 443] } };
    assert.equal(substituteVariables(plain, new Map([['APP', 'x']])).value, plain);
    const object = { a: 1, list: ['keep', '${APP}', 'tail'], nested: { n: 1 }, '${KEY}': 'k', z: 'last' };
    const { value } = substituteVariables(object, new Map([['APP', 'web'], ['KEY', 'renamed']])) as { value: Record<string, unknown> };
    assert.deepEqual(Object.keys(value), ['a', 'list', 'nested', 'renamed', 'z']);
    assert.deepEqual(value['list'], ['keep', 'web', 'tail']);
    assert.equal(value['nested'], object.nested);
    assert.deepEqual(object.list, ['keep', '${APP}', 'tail']);
  });

  test('a whole placeholder takes the type its value reads as in YAML; other values stay text', () => {
    const vars = new Map([['N', '2'], ['T', 'true'], ['HOST', 'traefik'], ['HEX', '0x1F'], ['F', '1.5'], ['NEG', '-3'], ['FALSEY', 'False'], ['WORD', 'falsehood'], ['QUOTED', '"5"']]);
    const object = { a: '${N}', b: '${T}', c: '${HOST}', d: '${HEX}', e: '${F}', f: '${NEG}', g: '${FALSEY}', h: '${WORD}', i: '${QUOTED}', j: 'x-${N}' };
    assert.deepEqual(substituteVariables(object, vars).value, { a: 2, b: true, c: 'traefik', d: 31, e: 1.5, f: -3, g: false, h: 'falsehood', i: '"5"', j: 'x-2' });
  });
});
