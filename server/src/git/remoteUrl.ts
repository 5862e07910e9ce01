/** Where a Git remote lives: a web host (with the repository's path on it) or a local folder. */
export type RemoteLocation =
  | { kind: 'web'; /** `https:` unless the remote itself is plain http */ scheme: 'https' | 'http'; /** host, with the port of an http(s) remote */ host: string; hostname: string; /** `owner/repo`, `group/subgroup/repo` */ path: string }
  | { kind: 'local'; path: string };

export type GitHost = 'github' | 'gitlab' | 'bitbucket' | 'gitea' | 'unknown' | 'local';

export interface PullRequestLink {
  host: GitHost;
  /** The page that opens a pull (merge) request of `branch` into `base`; undefined for a local remote. */
  url: string | undefined;
  /** Why there is no link, or why it may be wrong. */
  note: string | undefined;
}

function trimPath(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
}

/**
 * Parses the remote URL forms git accepts: `https://[user@]host[:port]/owner/repo(.git)`,
 * `ssh://[user@]host[:port]/owner/repo.git`, scp-like `[user@]host:owner/repo.git`, and local
 * paths (`/srv/repo.git`, `../repo`, `file://…`, `C:\repo`). Credentials in a URL are dropped.
 */
export function parseRemoteUrl(remote: string): RemoteLocation {
  const url = remote.trim();
  if (/^file:\/\//i.test(url)) return { kind: 'local', path: decodeURIComponent(url.replace(/^file:\/\//i, '')) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
      const web = scheme === 'http' || scheme === 'https';
      // An ssh or git port is not the web server's port.
      const host = web ? parsed.host : parsed.hostname;
      return { kind: 'web', scheme: scheme === 'http' ? 'http' : 'https', host: host.toLowerCase(), hostname: parsed.hostname.toLowerCase(), path: trimPath(decodeURIComponent(parsed.pathname)) };
    } catch {
      return { kind: 'local', path: url };
    }
  }
  // scp-like: [user@]host:path — git's own rule: a colon before any slash, and not a drive letter.
  const scp = /^(?:[^@/]+@)?([^:/\\]+):(.+)$/.exec(url);
  if (scp !== null && !/^[a-z]$/i.test(scp[1] ?? '')) {
    const hostname = (scp[1] ?? '').replace(/^\[|\]$/g, '').toLowerCase();
    return { kind: 'web', scheme: 'https', host: hostname, hostname, path: trimPath(scp[2] ?? '') };
  }
  return { kind: 'local', path: url };
}

export function hostKind(hostname: string): Exclude<GitHost, 'local'> {
  const h = hostname.toLowerCase();
  if (h.includes('github')) return 'github';
  if (h.includes('gitlab')) return 'gitlab';
  if (h.includes('bitbucket')) return 'bitbucket';
  if (h.includes('gitea') || h.includes('forgejo') || h === 'codeberg.org') return 'gitea';
  return 'unknown';
}

/** A branch name in a URL path: each segment encoded, the slashes kept (`plumbline/prod-…`). */
const inPath = (ref: string): string => ref.split('/').map(encodeURIComponent).join('/');
const inQuery = encodeURIComponent;

/** The web page that opens a pull request of `branch` into `base` on the remote's host. */
export function pullRequestLink(remoteUrl: string, base: string, branch: string): PullRequestLink {
  const remote = parseRemoteUrl(remoteUrl);
  if (remote.kind === 'local') {
    return { host: 'local', url: undefined, note: `the remote is a local path (${remote.path}), which has no pull-request page: merge ${branch} into ${base} there` };
  }
  const repo = `${remote.scheme}://${remote.host}/${remote.path.split('/').map(encodeURIComponent).join('/')}`;
  const host = hostKind(remote.hostname);
  switch (host) {
    case 'github':
      return { host, url: `${repo}/compare/${inPath(base)}...${inPath(branch)}?expand=1`, note: undefined };
    case 'gitlab':
      return { host, url: `${repo}/-/merge_requests/new?merge_request[source_branch]=${inQuery(branch)}&merge_request[target_branch]=${inQuery(base)}`, note: undefined };
    case 'bitbucket':
      return { host, url: `${repo}/pull-requests/new?source=${inQuery(branch)}&dest=${inQuery(base)}`, note: undefined };
    case 'gitea':
      return { host, url: `${repo}/compare/${inPath(base)}...${inPath(branch)}`, note: undefined };
    case 'unknown':
      return { host, url: `${repo}/compare/${inPath(base)}...${inPath(branch)}`, note: `${remote.hostname} is not a known Git host; the link follows Gitea's pattern and may not open a pull request there` };
  }
}
