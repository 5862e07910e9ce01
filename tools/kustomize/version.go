package main

// version names the kustomize API this build uses; install-kustomize.sh compares it to decide whether to rebuild.
const version = "plumbline-kustomize 3 (sigs.k8s.io/kustomize/api v0.21.2)"
