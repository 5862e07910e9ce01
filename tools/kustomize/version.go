package main

// version names the kustomize API this build uses; install-kustomize.sh compares it to decide whether to
// rebuild, and the language server (BUNDLED_KUSTOMIZE_VERSION) uses only a build that reports it.
const version = "plumbline-kustomize 6 (sigs.k8s.io/kustomize/api v0.21.2)"
