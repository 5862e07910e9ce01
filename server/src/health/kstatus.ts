import type { KubeObject } from '../manifests/kubeObject';
import { terraformHealth, type TerraformContext } from './terraform';

/**
 * kstatus's words (sigs.k8s.io/cli-utils/pkg/kstatus), which Flux waits on: Current is done,
 * InProgress is on its way, Failed needs a person, Terminating is being deleted.
 */
export type KStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'Unknown';

export interface KStatusResult {
  status: KStatus;
  /** Why, in the words a person reads in the tooltip ("Available: 1/3", "ImagePullBackOff: …"). */
  message: string;
  /** Paused or suspended by choice (spec.paused, spec.suspend): Argo CD calls that Suspended. */
  suspended?: boolean;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const conditionsOf = (status: Obj): Condition[] => (Array.isArray(status['conditions']) ? (status['conditions'] as unknown[]).map((c) => obj(c) as Condition) : []);
const conditionOf = (status: Obj, type: string): Condition | undefined => conditionsOf(status).find((c) => c.type === type);
const said = (c: Condition): string => [c.reason, c.message].filter((p) => p !== undefined && p !== '').join(': ');

const current = (message: string): KStatusResult => ({ status: 'Current', message });
const progressing = (message: string): KStatusResult => ({ status: 'InProgress', message });
const failed = (message: string): KStatusResult => ({ status: 'Failed', message });

/** A pod's containers' waiting or terminated reasons that mean it will not start by itself. */
const STUCK_WAITING = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

function deployment(spec: Obj, status: Obj): KStatusResult {
  const wanted = num(spec['replicas']) ?? 1;
  const progress = conditionOf(status, 'Progressing');
  if (progress?.reason === 'ProgressDeadlineExceeded') return failed(`Progress deadline exceeded${progress.message !== undefined ? `: ${progress.message}` : ''}`);
  const updated = num(status['updatedReplicas']) ?? 0;
  const replicas = num(status['replicas']) ?? 0;
  const ready = num(status['readyReplicas']) ?? 0;
  const available = num(status['availableReplicas']) ?? 0;
  if (updated < wanted) return progressing(`Rolling out: updated ${updated}/${wanted}`);
  if (replicas > updated) return progressing(`Pending termination: ${replicas - updated}`);
  if (available < wanted) return progressing(`Available: ${available}/${wanted}`);
  if (ready < wanted) return progressing(`Ready: ${ready}/${wanted}`);
  if (conditionOf(status, 'Available')?.status === 'False') return progressing('Deployment is not available');
  return current(`Available: ${available}/${wanted}`);
}

function statefulSet(spec: Obj, status: Obj): KStatusResult {
  const wanted = num(spec['replicas']) ?? 1;
  const ready = num(status['readyReplicas']) ?? 0;
  const current_ = num(status['currentReplicas']) ?? 0;
  const updated = num(status['updatedReplicas']) ?? 0;
  if ((num(status['replicas']) ?? 0) < wanted) return progressing(`Replicas: ${num(status['replicas']) ?? 0}/${wanted}`);
  if (ready < wanted) return progressing(`Ready: ${ready}/${wanted}`);
  const strategy = obj(spec['updateStrategy']);
  if (strategy['type'] === 'OnDelete') return current(`Ready: ${ready}/${wanted}`);
  const partition = num(obj(strategy['rollingUpdate'])['partition']) ?? 0;
  if (partition > 0) {
    const toUpdate = wanted - partition;
    return updated < toUpdate ? progressing(`Partitioned roll out: updated ${updated}/${toUpdate}`) : current(`Partitioned roll out complete: ${updated}/${toUpdate}`);
  }
  if (status['currentRevision'] !== status['updateRevision']) return progressing(`Rolling out: updated ${updated}/${wanted}`);
  if (current_ < wanted) return progressing(`Current: ${current_}/${wanted}`);
  return current(`Ready: ${ready}/${wanted}`);
}

function daemonSet(status: Obj): KStatusResult {
  const desired = num(status['desiredNumberScheduled']);
  if (desired === undefined) return progressing('Not scheduled yet');
  const scheduled = num(status['currentNumberScheduled']) ?? 0;
  const updated = num(status['updatedNumberScheduled']) ?? 0;
  const available = num(status['numberAvailable']) ?? 0;
  const ready = num(status['numberReady']) ?? 0;
  if (scheduled < desired) return progressing(`Scheduled: ${scheduled}/${desired}`);
  if (updated < desired) return progressing(`Rolling out: updated ${updated}/${desired}`);
  if (available < desired) return progressing(`Available: ${available}/${desired}`);
  if (ready < desired) return progressing(`Ready: ${ready}/${desired}`);
  return current(`Ready: ${ready}/${desired}`);
}

function replicaSet(spec: Obj, status: Obj): KStatusResult {
  const wanted = num(spec['replicas']) ?? 1;
  const failure = conditionOf(status, 'ReplicaFailure');
  if (failure?.status === 'True') return progressing(`Replica failure: ${said(failure)}`);
  const ready = num(status['readyReplicas']) ?? 0;
  const available = num(status['availableReplicas']) ?? 0;
  if ((num(status['fullyLabeledReplicas']) ?? 0) < wanted) return progressing(`Labelled: ${num(status['fullyLabeledReplicas']) ?? 0}/${wanted}`);
  if (available < wanted) return progressing(`Available: ${available}/${wanted}`);
  if (ready < wanted) return progressing(`Ready: ${ready}/${wanted}`);
  return current(`Ready: ${ready}/${wanted}`);
}

function pod(status: Obj): KStatusResult {
  const phase = status['phase'];
  if (phase === 'Succeeded') return current('Pod has completed successfully');
  if (phase === 'Failed') return failed(`Pod has failed${typeof status['reason'] === 'string' ? `: ${String(status['reason'])}` : ''}`);
  const containers = [...(Array.isArray(status['initContainerStatuses']) ? (status['initContainerStatuses'] as unknown[]) : []), ...(Array.isArray(status['containerStatuses']) ? (status['containerStatuses'] as unknown[]) : [])].map(obj);
  for (const c of containers) {
    const waiting = obj(obj(c['state'])['waiting']);
    const reason = waiting['reason'];
    if (typeof reason === 'string' && STUCK_WAITING.has(reason)) {
      const message = `${reason}${typeof waiting['message'] === 'string' ? `: ${String(waiting['message'])}` : ''} (container ${typeof c['name'] === 'string' ? c['name'] : '?'})`;
      // kstatus fails a crash loop; an image that cannot be pulled it leaves in progress (a registry may come back).
      return reason === 'CrashLoopBackOff' ? failed(message) : { status: 'InProgress', message };
    }
  }
  const ready = conditionOf(status, 'Ready');
  if (ready?.status === 'True') return current('Pod is ready');
  const scheduled = conditionOf(status, 'PodScheduled');
  if (scheduled?.status === 'False') return progressing(`Not scheduled: ${said(scheduled)}`);
  return progressing(phase === 'Running' ? 'Pod is running but not ready' : `Pod is ${typeof phase === 'string' ? phase.toLowerCase() : 'pending'}`);
}

function job(spec: Obj, status: Obj): KStatusResult {
  const failedCondition = conditionOf(status, 'Failed');
  if (failedCondition?.status === 'True') return failed(`Job failed: ${said(failedCondition)}`);
  if (conditionOf(status, 'Complete')?.status === 'True') return current(`Job completed: ${num(status['succeeded']) ?? 0} succeeded`);
  if (spec['suspend'] === true) return { status: 'Current', message: 'Job is suspended', suspended: true };
  return progressing(`Job in progress: ${num(status['active']) ?? 0} active, ${num(status['succeeded']) ?? 0} succeeded, ${num(status['failed']) ?? 0} failed`);
}

function service(spec: Obj, status: Obj): KStatusResult {
  if (spec['type'] !== 'LoadBalancer') return current('Service is ready');
  const ingress = obj(status['loadBalancer'])['ingress'];
  return Array.isArray(ingress) && ingress.length > 0 ? current('Load balancer is ready') : progressing('Waiting for the load balancer address');
}

function customResourceDefinition(status: Obj): KStatusResult {
  const names = conditionOf(status, 'NamesAccepted');
  if (names?.status === 'False') return failed(`Names not accepted: ${said(names)}`);
  return conditionOf(status, 'Established')?.status === 'True' ? current('CRD is established') : progressing('CRD is not established yet');
}

/** The Ready condition that Flux, Crossplane, cert-manager and most operators keep. */
function readyCondition(status: Obj): KStatusResult {
  const ready = conditionOf(status, 'Ready');
  if (ready === undefined) return current('Resource is current');
  if (ready.status === 'True') return current(said(ready) || 'Ready');
  if (ready.status === 'False') return failed(said(ready) || 'Not ready');
  return progressing(said(ready) || 'Ready is unknown');
}

/**
 * The health of a live object as kstatus computes it, in our code: generic rules first, then its
 * kind's. `terraform`: what a Terraform object's verdict needs from outside it (the revision its
 * source serves, which makes a waiting plan stale).
 */
export function kstatusOf(live: KubeObject, terraform: TerraformContext = {}): KStatusResult {
  const o = live as unknown as Obj;
  const metadata = obj(o['metadata']);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  if (metadata['deletionTimestamp'] !== undefined) return { status: 'Terminating', message: 'Resource is being deleted' };
  const generation = num(metadata['generation']);
  const observed = num(status['observedGeneration']);
  if (generation !== undefined && observed !== undefined && observed !== generation) return progressing(`Generation ${generation} is not observed yet (observed ${observed})`);
  const reconciling = conditionOf(status, 'Reconciling');
  if (reconciling?.status === 'True') return progressing(said(reconciling) || 'Reconciling');
  const stalled = conditionOf(status, 'Stalled');
  if (stalled?.status === 'True') return failed(said(stalled) || 'Stalled');
  const group = (live.apiVersion ?? '').includes('/') ? (live.apiVersion ?? '').split('/')[0] : '';
  const suspended = spec['suspend'] === true || spec['paused'] === true;
  const byKind = ((): KStatusResult => {
    switch (`${group}/${live.kind ?? ''}`) {
      case 'apps/Deployment':
        return deployment(spec, status);
      case 'apps/StatefulSet':
        return statefulSet(spec, status);
      case 'apps/DaemonSet':
        return daemonSet(status);
      case 'apps/ReplicaSet':
        return replicaSet(spec, status);
      case '/Pod':
        return pod(status);
      case '/PersistentVolumeClaim':
        return status['phase'] === 'Bound' ? current('Claim is bound') : progressing(`Claim is ${typeof status['phase'] === 'string' ? String(status['phase']).toLowerCase() : 'not bound yet'}`);
      case 'policy/PodDisruptionBudget': {
        const healthy = num(status['currentHealthy']) ?? 0;
        const desired = num(status['desiredHealthy']) ?? 0;
        return healthy >= desired ? current(`Healthy: ${healthy}/${desired}`) : progressing(`Healthy: ${healthy}/${desired}`);
      }
      case 'batch/Job':
        return job(spec, status);
      case '/Service':
        return service(spec, status);
      case 'apiextensions.k8s.io/CustomResourceDefinition':
        return customResourceDefinition(status);
      case 'infra.contrib.fluxcd.io/Terraform':
        return terraformHealth(live, terraform);
      default:
        return readyCondition(status);
    }
  })();
  return suspended && byKind.status !== 'Failed' ? { ...byKind, suspended: true, message: `Suspended${byKind.message !== '' ? ` · ${byKind.message}` : ''}` } : byKind;
}
