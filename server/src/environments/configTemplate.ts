/**
 * A `.plumbline.yaml` that is valid where it is created: the environments found in the workspace
 * (an entry named like one adds to it), with the other keys as comments; commented examples when
 * none was found. No path is written that may not exist.
 */
export function configTemplate(discovered: readonly string[]): string {
  const head = ['# Plumbline environments: each is Git paths delivered to a cluster (a kubeconfig context).', '# An entry named like a discovered environment adds to it; a new one needs paths.'];
  const options = ['    # context: my-cluster        # kubeconfig context of its cluster (default: the current one)', '    # kubeconfig: ~/.kube/eu.yaml # its own kubeconfig file (default: plumbline.cluster.kubeconfig)', '    # namespace: my-namespace    # for resources that name none', '    # protected: true            # Commit and Sync pushes a branch for review instead'];
  const example = ['  # - name: eu', '  #   paths: [deploy/eu]', '  #   context: eu-cluster', '  #   delivery: direct          # or {kind: flux|argocd, name: …, namespace: …}'];
  // Names told apart by their path ("dev (apps/a)") match no discovered environment by name.
  const found = discovered.filter((name) => !name.includes(' ('));
  if (found.length === 0) return [...head, 'environments: []', '# For example:', ...example, ''].join('\n');
  return [...head, 'environments:', ...found.flatMap((name) => [`  - name: ${JSON.stringify(name)}`, ...options]), ...example, ''].join('\n');
}

