import { DEFAULT_SETTINGS, renderOptionsOf, sanitizeSettings } from '../workspace/settings';
import type { RenderOptions } from '../environments/render';

/** The flags every rendering command takes: the same programs the editor's machine settings choose. */
export const RENDER_FLAGS = {
  'kustomize-command': { type: 'string' },
  'helm-command': { type: 'string' },
} as const;

/** The lines of `--help` that describe RENDER_FLAGS. */
export const RENDER_FLAGS_USAGE = `      --kustomize-command CMD  builds kustomize overlays (default: "${DEFAULT_SETTINGS.kustomize.command.join(' ')}"; the folder is appended),
                               as plumbline.kustomize.command does in the editor
      --helm-command CMD       the Helm 3 binary for helm template (default: "${DEFAULT_SETTINGS.helm.command.join(' ')}"), as plumbline.helm.command`;

/** Render options from the flags, read through the same table (and word splitting) as the settings. */
export function renderOptionsFromFlags(values: { 'kustomize-command'?: string | undefined; 'helm-command'?: string | undefined }): RenderOptions {
  const settings = sanitizeSettings({ kustomize: { command: values['kustomize-command'] }, helm: { command: values['helm-command'] } });
  return renderOptionsOf(settings, true);
}
