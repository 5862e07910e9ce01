// tofu-controller's Terraform objects (issue 16): their status read as the controller writes it
// (api/v1alpha2 in its source), the words shown on the object in Git, its health, plan ids, and
// the readable text of a JSON plan with sensitive values masked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { healthOf } from '../../server/src/health/health';
import { planChanges, planIdOf, stalePlan, terraformFacts, terraformNotes } from '../../server/src/health/terraform';
import type { KubeObject } from '../../server/src/manifests/kubeObject';
import { approvePlanEdit } from '../../server/src/terraform/approvePlan';
import { jsonPlanText } from '../../server/src/terraform/planText';
import { safeLabelValue } from '../../server/src/terraform/storedPlan';

const NOW = new Date('2026-12-07T12:00:00Z');
const REVISION = 'main@sha1:b8e362c206e3d0cbb7ed22ced771a0056455a2fb';
const PLAN_OUTPUT = 'OpenTofu used the selected providers to generate the following execution\nplan.\n\n  ~ update in-place\n\nPlan: 1 to add, 2 to change, 0 to destroy.\n';

function terraform(spec: Record<string, unknown>, status: Record<string, unknown>, generation = 3): KubeObject {
  return {
    apiVersion: 'infra.contrib.fluxcd.io/v1alpha2',
    kind: 'Terraform',
    metadata: { name: 'infra', namespace: 'flux-system', generation },
    spec: { interval: '1m', path: './infra', sourceRef: { kind: 'GitRepository', name: 'infra' }, ...spec },
    status: { observedGeneration: generation, ...status },
  };
}

const driftDetected = (spec: Record<string, unknown> = {}): KubeObject =>
  terraform(spec, {
    lastDriftDetectedAt: '2026-12-07T10:42:13Z',
    lastAppliedRevision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
    conditions: [{ type: 'Ready', status: 'False', reason: 'DriftDetected', message: PLAN_OUTPUT, lastTransitionTime: '2026-12-07T10:42:13Z' }],
  });

const planned = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}, generation = 3): KubeObject =>
  terraform(
    spec,
    {
      plan: { pending: 'plan-main-b8e362c206' },
      lastPlannedRevision: REVISION,
      lastPlannedGeneration: 3,
      lastPlanAt: '2026-12-07T11:05:00Z',
      conditions: [
        { type: 'Plan', status: 'True', reason: 'TerraformPlannedWithChanges', message: 'Plan generated' },
        { type: 'Ready', status: 'Unknown', reason: 'TerraformPlannedWithChanges', message: 'Plan generated: set approvePlan: "plan-main-b8e362c206" to approve this plan.' },
      ],
      ...extra,
    },
    generation,
  );

describe('tofu-controller plan ids and plan summaries', () => {
  test('plan ids as api/planid makes them', () => {
    assert.equal(planIdOf(REVISION), 'plan-main-b8e362c206');
    assert.equal(planIdOf('master/b8e362c206e3d0cbb7ed22ced771a0056455a2fb'), 'plan-master-b8e362c206');
    assert.equal(planIdOf('sha256:0123456789abcdef'), 'plan-sha256:012');
    assert.equal(planIdOf('v1.2'), 'plan-v1.2');
  });

  test("the plan line of Terraform's and OpenTofu's output", () => {
    assert.deepEqual(planChanges(PLAN_OUTPUT), { add: 1, change: 2, destroy: 0 });
    assert.equal(planChanges('No changes. Your infrastructure matches the configuration.'), undefined);
  });

  test('label values over 63 characters end in a hash of the whole, as tofu-controller cuts them', () => {
    assert.equal(safeLabelValue('infra'), 'infra');
    const long = safeLabelValue(`${'a'.repeat(70)}.json`);
    assert.equal(long.length, 63);
    assert.match(long, /^a{46}-[0-9a-f]{16}$/);
  });
});

describe('what a Terraform object says in Git', () => {
  test('drift detected: when, how many changes, how the plan gets applied', () => {
    const notes = terraformNotes(terraformFacts(driftDetected()), { now: NOW });
    assert.deepEqual(
      notes.map((n) => [n.code, n.severity, n.message]),
      [['terraform.drift', 'warning', 'tofu-controller detected drift at 10:42 UTC: plan has 3 changes (1 to add, 2 to change); approvePlan is manual; last applied main@sha1:0123456789abcdef0123456789abcdef01234567']],
    );
    assert.match(terraformNotes(terraformFacts(driftDetected({ approvePlan: 'auto' })), { now: NOW })[0]!.message, /approvePlan is auto: it is applied on the next reconcile/);
    assert.match(terraformNotes(terraformFacts(driftDetected()), { now: new Date('2026-12-09T00:00:00Z') })[0]!.message, /drift at 2026-12-07 10:42 UTC/);
  });

  test('a plan waiting for approval names the id to approve; an approved one does not', () => {
    const [waiting] = terraformNotes(terraformFacts(planned({})), { now: NOW, sourceRevision: REVISION });
    assert.equal(waiting?.code, 'terraform.plan-pending');
    assert.equal(waiting?.planId, 'plan-main-b8e362c206');
    assert.equal(waiting?.message, 'tofu-controller planned plan-main-b8e362c206 at 11:05 UTC: plan has changes; approvePlan is manual (set approvePlan: plan-main-b8e362c206 to apply it)');
    const approved = terraformNotes(terraformFacts(planned({ approvePlan: 'plan-main-b8e' })), { now: NOW });
    assert.equal(approved[0]?.severity, 'information');
    assert.equal(approved[0]?.planId, undefined);
    assert.match(approved[0].message, /approvePlan plan-main-b8e approves it/);
  });

  test('a stale plan: planned at an older generation, or from a revision the source has moved on from', () => {
    const notes = terraformNotes(terraformFacts(planned({}, {}, 4)), { now: NOW, sourceRevision: 'main@sha1:ffffffffffffffffffffffffffffffffffffffff' });
    const stale = notes.find((n) => n.code === 'terraform.plan-stale');
    assert.equal(
      stale?.message,
      'plan plan-main-b8e362c206 is stale: it was planned at generation 3, the object is at generation 4; it was planned from main@sha1:b8e362c206e3d0cbb7ed22ced771a0056455a2fb, the source is now at main@sha1:ffffffffffffffffffffffffffffffffffffffff; the controller plans again before applying',
    );
    assert.equal(terraformNotes(terraformFacts(planned({})), { sourceRevision: REVISION }).find((n) => n.code === 'terraform.plan-stale'), undefined);
  });

  test('a held state lock says how to release it; a failed plan says why', () => {
    const locked = terraform({}, { lock: { pending: 'f2ab685b-f84d-ac0b-a125-378a22877e8d' }, conditions: [{ type: 'StateLocked', status: 'True', reason: 'LockHeld', message: 'Terraform Locked with Lock Identifier: f2ab685b-f84d-ac0b-a125-378a22877e8d' }, { type: 'Ready', status: 'False', reason: 'LockHeld', message: 'Terraform Locked with Lock Identifier: f2ab685b-f84d-ac0b-a125-378a22877e8d' }] });
    assert.deepEqual(
      terraformNotes(terraformFacts(locked)).map((n) => n.message),
      ['Terraform state is locked (lock f2ab685b-f84d-ac0b-a125-378a22877e8d): Terraform Locked with Lock Identifier: f2ab685b-f84d-ac0b-a125-378a22877e8d; to release it set tfstate.forceUnlock: yes and tfstate.lockIdentifier: f2ab685b-f84d-ac0b-a125-378a22877e8d'],
    );
    const failed = terraform({}, { conditions: [{ type: 'Ready', status: 'False', reason: 'TFExecPlanFailed', message: 'error running Plan: rpc error: code = Internal\nmore' }] });
    assert.deepEqual(terraformNotes(terraformFacts(failed)).map((n) => [n.severity, n.message]), [['error', 'tofu-controller: TFExecPlanFailed: error running Plan: rpc error: code = Internal']]);
    const fine = terraform({}, { lastAppliedRevision: REVISION, conditions: [{ type: 'Ready', status: 'True', reason: 'NoDrift', message: `No drift: ${REVISION}` }] });
    assert.deepEqual(terraformNotes(terraformFacts(fine)), []);
  });
});

describe('health of a Terraform object', () => {
  test('drift and a lock need a person; a plan waiting is in progress; no drift is current', () => {
    assert.deepEqual([healthOf(driftDetected(), 'kstatus').word, healthOf(driftDetected(), 'argocd').word], ['Failed', 'Degraded']);
    assert.match(healthOf(driftDetected(), 'kstatus').message, /^drift detected at .*10:42 UTC: plan has 3 changes/);
    const waiting = healthOf(planned({}), 'kstatus');
    assert.deepEqual([waiting.word, waiting.message], ['InProgress', 'plan-main-b8e362c206: plan has changes, waiting for approvePlan']);
    const fine = terraform({}, { conditions: [{ type: 'Ready', status: 'True', reason: 'NoDrift', message: `No drift: ${REVISION}` }] });
    assert.deepEqual([healthOf(fine, 'argocd').word, healthOf(fine, 'kstatus').message], ['Healthy', `NoDrift: No drift: ${REVISION}`]);
  });

  test('a stale plan is one verdict: the health says what the diagnostic says, by generation and by the source revision', () => {
    const moved = 'main@sha1:ffffffffffffffffffffffffffffffffffffffff';
    const old = planned({}, {}, 4);
    const stale = stalePlan(terraformFacts(old), moved);
    assert.equal(stale, `plan plan-main-b8e362c206 is stale: it was planned at generation 3, the object is at generation 4; it was planned from ${REVISION}, the source is now at ${moved}`);
    assert.equal(healthOf(old, 'kstatus', [], { sourceRevision: moved }).message, `plan-main-b8e362c206: plan has changes, waiting for approvePlan; ${stale}`);
    assert.equal(terraformNotes(terraformFacts(old), { sourceRevision: moved }).find((n) => n.code === 'terraform.plan-stale')?.message, `${stale}; the controller plans again before applying`);
    // The source unread: generation alone decides. The revision planned is the source's: not stale.
    assert.equal(stalePlan(terraformFacts(old), undefined), 'plan plan-main-b8e362c206 is stale: it was planned at generation 3, the object is at generation 4');
    assert.equal(stalePlan(terraformFacts(planned({})), REVISION), undefined);
    assert.equal(healthOf(planned({}), 'kstatus', [], { sourceRevision: moved }).message, `plan-main-b8e362c206: plan has changes, waiting for approvePlan; plan plan-main-b8e362c206 is stale: it was planned from ${REVISION}, the source is now at ${moved}`);
    // Drift detected while the plan waiting is stale: the health says both, as the diagnostics do.
    const drifted = terraform({}, { ...(driftDetected().status as Record<string, unknown>), plan: { pending: 'plan-main-b8e362c206' }, lastPlannedRevision: REVISION, lastPlannedGeneration: 3 });
    assert.match(healthOf(drifted, 'kstatus', [], { sourceRevision: moved }).message, new RegExp(`^drift detected at .*: plan has 3 changes \\(1 to add, 2 to change\\); plan plan-main-b8e362c206 is stale: it was planned from main@sha1:b8e362c2`));
    // Applied, nothing waiting: a newer revision is the next reconcile's, not a stale plan.
    assert.equal(stalePlan(terraformFacts(driftDetected()), moved), undefined);
  });
});

describe('a JSON plan as text', () => {
  const plan = {
    format_version: '1.2',
    terraform_version: '1.9.0',
    variables: { db_password: { value: 'hunter2-variable' } },
    resource_changes: [
      {
        address: 'aws_db_instance.db',
        mode: 'managed',
        change: {
          actions: ['update'],
          before: { instance_class: 'db.t3.micro', password: 'old-pass-ABC', tags: { team: 'a' } },
          after: { instance_class: 'db.t3.small', password: 'new-pass-XYZ', tags: { team: 'a' } },
          after_unknown: {},
          before_sensitive: { password: true, tags: {} },
          after_sensitive: { password: true, tags: {} },
        },
      },
      { address: 'random_pet.name', change: { actions: ['create'], before: null, after: { length: 2 }, after_unknown: { id: true }, before_sensitive: false, after_sensitive: {} } },
      { address: 'null_resource.same', change: { actions: ['no-op'], before: {}, after: {} } },
    ],
    output_changes: { db_url: { actions: ['update'], before: 'postgres://old', after: 'postgres://new-secret', before_sensitive: true, after_sensitive: true } },
    prior_state: { values: { root_module: { resources: [{ values: { password: 'old-pass-ABC' } }] } } },
  };

  test('changes are listed, sensitive values masked and never shown, equal values stay equal', () => {
    const shown = jsonPlanText(JSON.stringify(plan));
    assert.ok(shown !== undefined);
    assert.deepEqual(shown.changes, { add: 1, change: 1, destroy: 0 });
    for (const secret of ['old-pass-ABC', 'new-pass-XYZ', 'hunter2-variable', 'postgres://']) assert.ok(!shown.text.includes(secret), `${secret} is shown`);
    assert.match(shown.text, /^~ aws_db_instance\.db \(update\)$/m);
    assert.match(shown.text, /^ {4}instance_class: "db\.t3\.micro" → "db\.t3\.small"$/m);
    assert.match(shown.text, /^ {4}password: ‹secret [0-9a-f]{8}› → ‹secret [0-9a-f]{8}›$/m);
    assert.doesNotMatch(shown.text, /tags\.team/, 'an unchanged value of an update is not listed');
    assert.match(shown.text, /^\+ random_pet\.name \(create\)\n {4}id: \(known after apply\)\n {4}length: 2$/m);
    assert.doesNotMatch(shown.text, /null_resource/);
    assert.match(shown.text, /^ {2}~ db_url: ‹secret [0-9a-f]{8}› → ‹secret [0-9a-f]{8}›$/m);
    assert.match(shown.text, /^Plan: 1 to add, 1 to change, 0 to destroy\.$/m);
    const same = jsonPlanText(JSON.stringify({ ...plan, resource_changes: [{ address: 'x.y', change: { actions: ['update'], before: { a: 's1', b: 1 }, after: { a: 's1', b: 2 }, before_sensitive: { a: true }, after_sensitive: { a: true } } }] }));
    assert.doesNotMatch(same!.text, /^ {4}a:/m, 'an equal sensitive value is unchanged, so not listed');
  });

  test('text that is not a Terraform JSON plan is refused', () => {
    assert.equal(jsonPlanText('not json'), undefined);
    assert.equal(jsonPlanText('{"kind":"ConfigMap"}'), undefined);
  });
});

describe('Approve plan: the edit to Git', () => {
  const doc = (spec: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\napiVersion: infra.contrib.fluxcd.io/v1alpha2\nkind: Terraform\nmetadata:\n  name: infra # the stack\nspec:\n${spec}`;
  const apply = (text: string, offset: number, id: string): string | undefined => {
    const edit = approvePlanEdit(text, offset, id);
    return edit === undefined ? undefined : text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
  };

  test('added under spec, indented as its keys, everything else byte for byte', () => {
    const text = doc('    interval: 1m\n    sourceRef:\n      kind: GitRepository\n      name: infra\n');
    assert.equal(apply(text, text.indexOf('infra #'), 'plan-main-b8e362c206'), doc('    interval: 1m\n    sourceRef:\n      kind: GitRepository\n      name: infra\n    approvePlan: plan-main-b8e362c206\n'));
  });

  test("a former plan's id (or auto) is replaced in place, comments kept", () => {
    const text = doc('  approvePlan: "plan-main-0000000000" # last week\n  interval: 1m\n');
    assert.equal(apply(text, text.indexOf('infra #'), 'plan-main-b8e362c206'), doc('  approvePlan: plan-main-b8e362c206 # last week\n  interval: 1m\n'));
  });

  test('only in a Terraform document', () => {
    const text = doc('  interval: 1m\n');
    assert.equal(approvePlanEdit(text, text.indexOf('other'), 'plan-main-b8e362c206'), undefined);
  });
});
