// Editor latency: the real language server (dist/server.js) as a child process over JSON-RPC,
// the way an editor drives it. Opens the single corpus file, waits for its first diagnostics,
// then edits one document in the middle N times with incremental `contentChanges` (the server
// advertises TextDocumentSyncKind.Incremental) and times each edit until the diagnostics for
// that version are published.
//
// Memory: the server runs with `--expose-gc --require <probe>`; on SIGUSR2 the probe (a
// benchmark-only preload, no server code changes) runs a full GC and writes
// process.memoryUsage() to a file. RSS and its peak come from /proc/<pid>/status.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  ConfigurationRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeResult,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';
import { BENCH_CACHE, median, percentile, procCpuMs, procMemory, sleep } from './util';

const PROBE = `'use strict';
// Benchmark-only preload (test/bench/lspLatency.ts): on SIGUSR2, full GC then memoryUsage() to a file.
const fs = require('node:fs');
const out = process.env.PLUMBLINE_BENCH_MEMFILE;
if (out) {
  process.on('SIGUSR2', () => {
    if (typeof globalThis.gc === 'function') globalThis.gc();
    const usage = process.memoryUsage();
    fs.writeFileSync(out + '.tmp', JSON.stringify({ ...usage, gc: typeof globalThis.gc === 'function' }));
    fs.renameSync(out + '.tmp', out);
  });
}
`;

export interface HeapSample {
  /** After a full GC in the server, from process.memoryUsage(). */
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  /** From /proc/<pid>/status at the same moment. */
  rssMB: number;
}

export interface EditorLatency {
  fileBytes: number;
  documents: number;
  sync: 'incremental' | 'full';
  openToFirstDiagnosticsMs: number;
  firstDiagnostics: number;
  /** 1-based lines of the error diagnostics first published. */
  firstErrorLines: number[];
  edits: number;
  /** Pause between one edit's diagnostics and the next edit. */
  pauseMs: number;
  editMs: number[];
  editMedianMs: number;
  editP95Ms: number;
  editMaxMs: number;
  /**
   * The server's CPU time (user + sys, /proc/<pid>/stat) over the edit loop divided by the
   * number of edits: what one edit costs the server, including work after the publish (drift),
   * and much less sensitive to a busy machine than the latency.
   */
  serverCpuPerEditMs: number | undefined;
  /** The server's CPU time from didOpen to the first diagnostics. */
  serverCpuOpenMs: number | undefined;
  /** The server before any file is open (no schemas loaded yet). */
  idle: HeapSample | undefined;
  /** With the file open and validated, after a full GC. */
  afterOpen: HeapSample | undefined;
  /** With the file open, after the edits, after a full GC. */
  afterEdits: HeapSample | undefined;
  /** Peak RSS of the server process over the whole run (VmHWM). */
  peakRssMB: number | undefined;
  measured: string;
}

interface Published {
  version: number | undefined;
  diagnostics: Diagnostic[];
  at: number;
}

class BenchClient {
  private readonly waiters: { uri: string; version: number; accept: (p: Published) => boolean; resolve: (p: Published) => void }[] = [];
  private exited: string | undefined;
  private stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly connection: MessageConnection,
    readonly memFile: string,
  ) {}

  static async start(serverJs: string, workspaceFolder?: string): Promise<{ client: BenchClient; init: InitializeResult }> {
    mkdirSync(BENCH_CACHE, { recursive: true });
    const probe = join(BENCH_CACHE, 'memprobe.cjs');
    writeFileSync(probe, PROBE);
    const memFile = join(BENCH_CACHE, `server-memory-${process.pid}.json`);
    rmSync(memFile, { force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, PLUMBLINE_BENCH_MEMFILE: memFile };
    delete env['KUBECONFIG'];
    // BENCH_SERVER_NODE_ARGS: extra Node options for the server, e.g. `--cpu-prof --cpu-prof-dir=.cache/bench/prof/server`.
    const extra = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(/\s+/).filter((a) => a !== '');
    const child = spawn(process.execPath, ['--expose-gc', '--require', probe, ...extra, serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    if (child.stdout === null || child.stdin === null || child.stderr === null) throw new Error('language server started without stdio pipes');
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new BenchClient(child, connection, memFile);
    child.stderr.on('data', (chunk: Buffer) => {
      client.stderr = (client.stderr + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      client.exited = `server exited (code ${String(code)}, signal ${String(signal)})`;
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (params: PublishDiagnosticsParams) => {
      const published: Published = { version: params.version, diagnostics: params.diagnostics, at: performance.now() };
      for (const waiter of [...client.waiters]) {
        if (waiter.uri === params.uri && waiter.version === params.version && waiter.accept(published)) {
          client.waiters.splice(client.waiters.indexOf(waiter), 1);
          waiter.resolve(published);
        }
      }
    });
    // No cluster: it is off in the settings, and the workspace is untrusted (initializationOptions).
    connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({ cluster: { enabled: false } })));
    connection.listen();
    const init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true }, synchronization: { dynamicRegistration: false } } },
      initializationOptions: { trusted: false, cacheDir: join(BENCH_CACHE, 'server-cache') },
      workspaceFolders: workspaceFolder === undefined ? null : [{ uri: pathToFileURL(workspaceFolder).toString(), name: 'bench' }],
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return { client, init };
  }

  /** Resolves when diagnostics for exactly this version of the document (that `accept` takes) are published. */
  diagnosticsFor(uri: string, version: number, timeoutMs = 120_000, accept: (p: Published) => boolean = () => true): Promise<Published> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no diagnostics for ${uri} version ${version} within ${timeoutMs} ms${this.exited === undefined ? '' : `; ${this.exited}`}; server stderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({
        uri,
        version,
        accept,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  /** Full GC in the server, then its memoryUsage() and RSS. */
  async heap(): Promise<HeapSample | undefined> {
    const pid = this.child.pid;
    if (pid === undefined || this.exited !== undefined) return undefined;
    rmSync(this.memFile, { force: true });
    process.kill(pid, 'SIGUSR2');
    for (let i = 0; i < 600 && !existsSync(this.memFile); i++) await sleep(50);
    if (!existsSync(this.memFile)) return undefined;
    const usage = JSON.parse(readFileSync(this.memFile, 'utf8')) as { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
    const proc = procMemory(pid);
    const mb = (n: number): number => Math.round((n / (1024 * 1024)) * 10) / 10;
    return {
      heapUsedMB: mb(usage.heapUsed),
      heapTotalMB: mb(usage.heapTotal),
      externalMB: mb(usage.external),
      arrayBuffersMB: mb(usage.arrayBuffers),
      rssMB: proc === undefined ? Number.NaN : Math.round((proc.rssKb / 1024) * 10) / 10,
    };
  }

  async stop(): Promise<void> {
    if (this.exited === undefined) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      try {
        await this.connection.sendRequest(ShutdownRequest.type);
        await this.connection.sendNotification(ExitNotification.type);
      } catch {
        this.child.kill('SIGKILL');
      }
      await exited;
      clearTimeout(kill);
    }
    this.connection.dispose();
    rmSync(this.memFile, { force: true });
  }
}

export interface EditPlan {
  /** 0-based line and character of the text to toggle. */
  line: number;
  character: number;
  original: string;
  replacement: string;
  /** Error diagnostics expected while the replacement is in place, relative to the original text. */
  extraErrors: number;
}

/**
 * Opens `text` as `file` in the server, then toggles `plan.original` ↔ `plan.replacement`
 * `edits` times, waiting for each version's diagnostics.
 */
export async function measureEditorLatency(
  serverJs: string,
  file: string,
  text: string,
  documents: number,
  plan: EditPlan,
  edits: number,
  pauseMs = 100,
  /**
   * A workspace folder (whose CRDs the server reads), and the errors the file holds once they
   * are read: the first diagnostics may come before, from the other schemas; timing starts after.
   */
  workspace?: { folder: string; firstErrors: number },
): Promise<EditorLatency> {
  const { client, init } = await BenchClient.start(serverJs, workspace?.folder);
  try {
    const syncKind = typeof init.capabilities.textDocumentSync === 'object' ? init.capabilities.textDocumentSync.change : init.capabilities.textDocumentSync;
    const incremental = syncKind === TextDocumentSyncKind.Incremental;
    // Let the server finish its start-up (settings, kustomization index) before timing.
    await sleep(500);
    const idle = await client.heap();
    const uri = pathToFileURL(file).toString();
    let version = 1;
    const firstWait = client.diagnosticsFor(uri, version, 300_000, (p) => workspace === undefined || p.diagnostics.filter((d) => d.severity === 1).length === workspace.firstErrors);
    const pid = client.child.pid;
    const cpuBeforeOpen = pid === undefined ? undefined : procCpuMs(pid);
    const openStart = performance.now();
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version, text } });
    const first = await firstWait;
    const openToFirstDiagnosticsMs = first.at - openStart;
    const cpuAfterOpen = pid === undefined ? undefined : procCpuMs(pid);
    const baseErrors = first.diagnostics.filter((d) => d.severity === 1).length;
    await sleep(200);
    const afterOpen = await client.heap();

    const editMs: number[] = [];
    let current = text;
    const cpuBeforeEdits = pid === undefined ? undefined : procCpuMs(pid);
    for (let i = 0; i < edits; i++) {
      const toReplacement = i % 2 === 0;
      const [from, to] = toReplacement ? [plan.original, plan.replacement] : [plan.replacement, plan.original];
      version++;
      const range = { start: { line: plan.line, character: plan.character }, end: { line: plan.line, character: plan.character + from.length } };
      const change = incremental ? { range, text: to } : { text: replaceAt(current, plan, from, to) };
      if (!incremental) current = change.text;
      const wait = client.diagnosticsFor(uri, version);
      const started = performance.now();
      await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [change] });
      const published = await wait;
      editMs.push(published.at - started);
      const errors = published.diagnostics.filter((d) => d.severity === 1).length;
      const expected = baseErrors + (toReplacement ? plan.extraErrors : 0);
      if (errors !== expected) throw new Error(`edit ${i + 1}: expected ${expected} errors after the edit, the server published ${errors}`);
      await sleep(pauseMs);
    }
    const cpuAfterEdits = pid === undefined ? undefined : procCpuMs(pid);
    const afterEdits = await client.heap();
    const proc = pid === undefined ? undefined : procMemory(pid);
    return {
      fileBytes: Buffer.byteLength(text, 'utf8'),
      documents,
      sync: incremental ? 'incremental' : 'full',
      openToFirstDiagnosticsMs,
      firstDiagnostics: first.diagnostics.length,
      firstErrorLines: first.diagnostics.filter((d) => d.severity === 1).map((d) => d.range.start.line + 1),
      edits,
      pauseMs,
      editMs,
      editMedianMs: median(editMs),
      editP95Ms: percentile(editMs, 95),
      editMaxMs: Math.max(...editMs),
      serverCpuPerEditMs: cpuBeforeEdits === undefined || cpuAfterEdits === undefined ? undefined : (cpuAfterEdits - cpuBeforeEdits) / edits,
      serverCpuOpenMs: cpuBeforeOpen === undefined || cpuAfterOpen === undefined ? undefined : cpuAfterOpen - cpuBeforeOpen,
      idle,
      afterOpen,
      afterEdits,
      peakRssMB: proc === undefined ? undefined : Math.round((proc.hwmKb / 1024) * 10) / 10,
      measured: 'heap: process.memoryUsage().heapUsed after a full GC (benchmark preload, --expose-gc); RSS: /proc/<pid>/status VmRSS, peak VmHWM',
    };
  } finally {
    await client.stop();
  }
}

function replaceAt(text: string, plan: EditPlan, from: string, to: string): string {
  let offset = 0;
  for (let line = 0; line < plan.line; line++) offset = text.indexOf('\n', offset) + 1;
  offset += plan.character;
  if (text.slice(offset, offset + from.length) !== from) throw new Error(`edit plan does not match the text at line ${plan.line + 1}`);
  return text.slice(0, offset) + to + text.slice(offset + from.length);
}

/** Where to edit: the `replicas` key of the Deployment nearest the middle of the file, renamed to an unknown field. */
export function planMiddleEdit(text: string, documents: readonly { kind: string; offset: number; error: string | undefined }[]): EditPlan {
  const middle = documents.length >> 1;
  for (let d = middle; d < documents.length; d++) {
    const doc = documents[d];
    if (doc === undefined || doc.kind !== 'Deployment' || doc.error !== undefined) continue;
    const at = text.indexOf('\n  replicas: ', doc.offset);
    if (at === -1) continue;
    const offset = at + 3;
    let line = 0;
    let lineStart = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { line, character: offset - lineStart, original: 'replicas', replacement: 'replicaz', extraErrors: 1 };
  }
  throw new Error('no Deployment with replicas in the second half of the corpus');
}

/** Where to edit in the CEL corpus: a valid resource's `maxReplicas` near the middle set below its `minReplicas`, which one CEL rule refuses. */
export function planCelEdit(text: string, documents: readonly { line: number; broken: string | undefined }[]): EditPlan {
  const lines = text.split('\n');
  for (let d = documents.length >> 1; d < documents.length; d++) {
    const doc = documents[d];
    if (doc === undefined || doc.broken !== undefined) continue;
    for (let line = doc.line - 1; line < (documents[d + 1]?.line ?? lines.length) - 1; line++) {
      const m = /^(\s+maxReplicas: )(\d+)$/.exec(lines[line] ?? '');
      if (m?.[1] !== undefined && m[2] !== undefined) return { line, character: m[1].length, original: m[2], replacement: '1', extraErrors: 1 };
    }
  }
  throw new Error('no valid resource with maxReplicas in the second half of the CEL corpus');
}
