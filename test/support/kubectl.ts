// One kubectl for every test and script that drives a bench cluster by hand, as people do.
import { execFile, execFileSync } from 'node:child_process';

/** kubectl against one kubeconfig; every form returns stdout and throws with kubectl's stderr. */
export interface Kubectl {
  (...args: string[]): string;
  /** With `text` on stdin (`apply -f -`). */
  input(text: string, ...args: string[]): string;
  /** Without blocking the event loop, for cases that time events while kubectl runs. */
  async(...args: string[]): Promise<string>;
}

/** `kubeconfig` may be a getter: test files make the helper before their cluster starts. */
export function kubectlFor(kubeconfig: string | (() => string)): Kubectl {
  const path = (): string => (typeof kubeconfig === 'string' ? kubeconfig : kubeconfig());
  const run = (args: string[], input?: string): string =>
    execFileSync('kubectl', ['--kubeconfig', path(), ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });
  return Object.assign((...args: string[]) => run(args), {
    input: (text: string, ...args: string[]) => run(args, text),
    async: (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        execFile('kubectl', ['--kubeconfig', path(), ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
          if (error) reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`));
          else resolve(stdout);
        });
      }),
  });
}
