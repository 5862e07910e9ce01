import { version } from '../../package.json';

/** Plumbline's version, from package.json at build time. */
export const PLUMBLINE_VERSION: string = version;
