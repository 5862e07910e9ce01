/** What the main thread and the Lua worker (luaWorker.ts) say to each other. */

/** JSON as a live object holds it: what a script's `obj` is made of. */
export type LuaValue = string | number | boolean | null | LuaValue[] | { [key: string]: LuaValue };

/** Instructions a script may run for: Argo CD gives its scripts one second too. */
export const LUA_TIME_MS = 1000;
/** What a script may allocate beyond the object it is given. */
export const LUA_MEMORY_BYTES = 16 * 1024 * 1024;

export type LuaRequest = {
  type: 'run';
  id: number;
  /** The argocd-cm it comes from (namespace and resourceVersion): scripts are compiled once per version. */
  version: string;
  /** Every script of that version: key, source, and whether it gets the standard libraries (`useOpenLibs`); sent when the worker does not hold that version yet. */
  scripts?: [string, string, boolean][];
  key: string;
  object: LuaValue;
};

export type LuaResponse = { type: 'result'; id: number } & ({ ok: true; status: string; message: string } | { ok: false; error: string });
