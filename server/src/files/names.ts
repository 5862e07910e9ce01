/** Plumbline's own workspace file, at the repository root. */
export const PLUMBLINE_CONFIG_FILE = '.plumbline.yaml';

/** The names kustomize looks for in a folder, in its order. */
export const KUSTOMIZATION_FILE_NAMES: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
