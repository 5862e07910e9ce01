/**
 * The yaml library reports oddities it meets while turning a document into JavaScript (a mapping
 * key that is a collection, say) with process.emitWarning, which Node prints straight to the
 * terminal of the CLI and the stderr of the server. We report what matters as problems of our
 * own, so the library only logs errors. Every parse in the engine passes these options.
 */
export const YAML_LOG = { logLevel: 'error' } as const;
