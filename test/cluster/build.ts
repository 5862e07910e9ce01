// Builds test/cluster/apiserver (kube-apiserver + embedded etcd, linked from
// Go modules) once and caches the binary under
// <repo>/.cache/apiserver/<hash>/plumbline-apiserver, where <hash> covers the
// Go sources, go.mod, go.sum, the Go toolchain and this file's build recipe.

import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const apiserverSourceDir = path.join(__dirname, 'apiserver');
const cacheRoot = path.join(repoRoot, '.cache', 'apiserver');
const binaryName = 'plumbline-apiserver';

/** Bump when the build command or ldflags change, to invalidate old binaries. */
const recipeVersion = '1';

/** How long a waiting process lets another one build before giving up. */
const lockWaitMs = 30 * 60_000;

function log(message: string): void {
  process.stderr.write(`[plumbline-apiserver] ${message}\n`);
}

function run(file: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        // Keep `code` (e.g. ENOENT when the command does not exist).
        const code = typeof err.code === 'string' ? err.code : undefined;
        reject(Object.assign(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`), { code }));
      } else {
        resolve(stdout);
      }
    });
  });
}

/**
 * Finds the go command: $GO, then `go` on PATH, then /usr/local/go/bin/go.
 * Throws a readable error when there is none.
 */
async function findGo(): Promise<{ go: string; env: string }> {
  const candidates = [process.env.GO, 'go', '/usr/local/go/bin/go'].filter(
    (c): c is string => typeof c === 'string' && c.length > 0,
  );
  for (const go of candidates) {
    try {
      const env = await run(go, ['env', 'GOVERSION', 'GOOS', 'GOARCH', 'CGO_ENABLED'], apiserverSourceDir);
      return { go, env };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        continue;
      }
      throw err;
    }
  }
  throw new Error(
    'The Go toolchain is needed to build the test API server (test/cluster/apiserver), ' +
      'but no `go` command was found (tried $GO, PATH and /usr/local/go/bin/go). ' +
      'Install Go 1.26 or newer, or set GO=/path/to/go.',
  );
}

/** Reads the pinned k8s.io/kubernetes version from go.mod, e.g. "v1.36.3". */
export function pinnedKubernetesVersion(goMod: string): string {
  const m = /^\s*k8s\.io\/kubernetes\s+(v\d+\.\d+\.\d+)\s*$/m.exec(goMod);
  const version = m?.[1];
  if (!version) {
    throw new Error('test/cluster/apiserver/go.mod does not require k8s.io/kubernetes vX.Y.Z');
  }
  return version;
}

function ldflags(version: string): string {
  const [major, minor] = version.slice(1).split('.');
  const flags = ['-s', '-w'];
  // kube's own build (hack/lib/version.sh) stamps both packages.
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.gitCommit=`,
    );
  }
  return flags.join(' ');
}

async function sourceHash(goEnv: string): Promise<{ hash: string; version: string }> {
  const h = createHash('sha256');
  h.update(`recipe ${recipeVersion}\n${goEnv}\n`);
  const names = (await fsp.readdir(apiserverSourceDir))
    .filter((n) => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum')
    .sort();
  let goMod = '';
  for (const name of names) {
    const content = await fsp.readFile(path.join(apiserverSourceDir, name));
    if (name === 'go.mod') {
      goMod = content.toString('utf8');
    }
    h.update(`${name}\0${content.length}\0`);
    h.update(content);
  }
  return { hash: h.digest('hex').slice(0, 16), version: pinnedKubernetesVersion(goMod) };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock file (O_EXCL) holding our pid. Returns false if
 * someone else holds it; a lock whose owner is dead is removed first.
 */
function tryLock(lockFile: string): boolean {
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw err;
    }
  }
  let owner = NaN;
  try {
    owner = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
  } catch {
    return false; // released meanwhile; the caller polls again
  }
  if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
    log(`removing stale build lock of dead process ${owner}`);
    fs.rmSync(lockFile, { force: true });
  }
  return false;
}

async function goBuild(go: string, version: string, out: string): Promise<void> {
  const args = ['build', '-trimpath', '-mod=readonly', '-buildvcs=false', '-ldflags', ldflags(version), '-o', out, '.'];
  const started = Date.now();
  const heartbeat = setInterval(() => {
    log(`still building… ${Math.round((Date.now() - started) / 1000)}s`);
  }, 30_000);
  heartbeat.unref();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, args, { cwd: apiserverSourceDir, stdio: ['ignore', 'inherit', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        process.stderr.write(chunk);
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code === 0) {
          resolve();
        } else {
          reject(new Error(`go build failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-8000)}`));
        }
      });
    });
  } finally {
    clearInterval(heartbeat);
  }
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

async function ensureBinaryUncached(): Promise<string> {
  const { go, env } = await findGo();
  const { hash, version } = await sourceHash(env);
  const dir = path.join(cacheRoot, hash);
  const binary = path.join(dir, binaryName);
  if (isExecutable(binary)) {
    return binary;
  }
  await fsp.mkdir(dir, { recursive: true });
  const lockFile = path.join(dir, 'build.lock');
  const deadline = Date.now() + lockWaitMs;
  let announcedWait = false;
  while (!tryLock(lockFile)) {
    if (isExecutable(binary)) {
      return binary;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for another process to build ${binary} (lock ${lockFile})`);
    }
    if (!announcedWait) {
      log('waiting for another process that is building kube-apiserver…');
      announcedWait = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    if (isExecutable(binary)) {
      return binary; // built by the previous lock holder
    }
    log(`building kube-apiserver ${version} from Go modules (first time takes minutes)…`);
    // Build to a private name, then rename: readers never see a partial file.
    const tmp = path.join(dir, `${binaryName}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await goBuild(go, version, tmp);
      await fsp.rename(tmp, binary);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    return binary;
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

let pending: Promise<string> | undefined;

/**
 * Returns the path of the test API server binary, building it first if the
 * sources changed since the last build. Safe to call concurrently, within a
 * process and across processes.
 */
export function ensureApiserverBinary(): Promise<string> {
  if (!pending) {
    pending = ensureBinaryUncached();
    // Let a later call retry after a failure.
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}
