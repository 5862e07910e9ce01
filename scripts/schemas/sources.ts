/**
 * The pinned sources of the bundled schemas. Change a version here and rerun `npm run schemas`.
 *
 * Versions are the newest stable ones the Go module proxy serves that the local Go toolchain
 * can use (see SOURCES.md for why some Flux controllers come from their `api` module).
 */

/** CRD manifests shipped in a module (the files the project publishes with each release). */
export interface ShippedCrds {
  from: 'manifests';
  /** Short name for logs and SOURCES.md. */
  name: string;
  module: string;
  version: string;
  /** Module-relative paths, or a directory ending in '/' whose *.yaml files are all CRDs. */
  files: readonly string[];
  /** Why this module and version, for SOURCES.md. */
  note?: string;
}

/**
 * CRDs generated with controller-gen from a module holding the project's API types, the way
 * the project's own `make manifests` generates its shipped manifests.
 */
export interface GeneratedCrds {
  from: 'controller-gen';
  name: string;
  module: string;
  version: string;
}

export type CrdSource = ShippedCrds | GeneratedCrds;

/** controller-gen release the Flux controllers pin in their Makefiles (CONTROLLER_GEN_VERSION), with their CRD_OPTIONS. */
export const CONTROLLER_TOOLS = { module: 'sigs.k8s.io/controller-tools', version: 'v0.21.0', crdOptions: 'crd:crdVersions=v1' } as const;

export const CRD_SOURCES: readonly CrdSource[] = [
  { from: 'manifests', name: 'Flux source-controller', module: 'github.com/fluxcd/source-controller', version: 'v1.10.1', files: ['config/crd/bases/'] },
  { from: 'manifests', name: 'Flux kustomize-controller', module: 'github.com/fluxcd/kustomize-controller', version: 'v1.10.1', files: ['config/crd/bases/'] },
  { from: 'manifests', name: 'Flux helm-controller', module: 'github.com/fluxcd/helm-controller', version: 'v1.6.4', files: ['config/crd/bases/'] },
  // The proxy serves no release of these controllers' main modules newer than Flux 2.6, and their
  // newest api modules need Go 1.27: these are the newest api releases Go 1.26 can load.
  { from: 'controller-gen', name: 'Flux notification-controller', module: 'github.com/fluxcd/notification-controller/api', version: 'v1.9.4' },
  { from: 'controller-gen', name: 'Flux image-reflector-controller', module: 'github.com/fluxcd/image-reflector-controller/api', version: 'v1.2.5' },
  { from: 'controller-gen', name: 'Flux image-automation-controller', module: 'github.com/fluxcd/image-automation-controller/api', version: 'v1.2.5' },
  {
    from: 'manifests',
    name: 'tofu-controller',
    module: 'github.com/flux-iac/tofu-controller',
    version: 'v0.16.5',
    files: ['config/crd/bases/infra.contrib.fluxcd.io_terraforms.yaml'],
    note:
      'The Go module proxy answers no version list for github.com/flux-iac/tofu-controller (403) and serves no version of its api submodule, but serves the main module\'s release v0.16.5 by its exact version. Its shipped CRD manifest (Terraform v1alpha1 and v1alpha2) is bundled as the apiserver publishes it; the other file of config/crd/bases, an old copy of source-controller\'s OCIRepository, is left out.',
  },
  {
    from: 'manifests',
    name: 'Argo CD',
    module: 'github.com/argoproj/argo-cd/v3',
    version: 'v3.6.1',
    files: ['manifests/crds/application-crd.yaml', 'manifests/crds/applicationset-crd.yaml', 'manifests/crds/appproject-crd.yaml'],
  },
];

/** The kustomization.yaml schema generator (a Go module whose go.mod pins sigs.k8s.io/kustomize/api). */
export const KUSTOMIZE_GENERATOR_DIR = 'scripts/schemas/kustomize';
