// The thread that runs Argo CD health scripts (luaHealth.ts starts it). A script is the user's
// code from the cluster: it runs here, not on the language server's thread, so that one the Lua
// hooks cannot interrupt (a pattern match that backtracks for hours inside a single C call) costs
// a terminated worker, never a hung server.
import { parentPort } from 'node:worker_threads';
import { LuaFactory, LuaLibraries, LuaReturn, LuaType, type LuaEngine } from 'wasmoon';
import type { LuaRequest, LuaResponse, LuaValue } from './luaProtocol';
import { LUA_MEMORY_BYTES, LUA_TIME_MS } from './luaProtocol';

/**
 * Set up once, in Lua, over the libraries opened below. Each script is compiled with `local _ENV = ...`
 * in front (on its first line, so that line numbers stay the script's) and run with a fresh
 * environment of its own: what one script leaves in its globals no other run sees. The
 * environment holds what Argo CD gives a script (util/lua/lua.go: base, table and a safe os of
 * `time` and `date` only); one whose kind has `useOpenLibs` also gets the standard libraries a
 * computation needs (string, math, and os's clocks). Never anything that reads files, loads code
 * or reaches the OS, `useOpenLibs` or not; and no coroutines (the runtime's time hook raises its
 * error on the main thread, not inside a coroutine, so it is not sure to stop one). The real
 * globals stay out of reach.
 */
const PRELUDE = `
local safe = {}
for _, name in ipairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber", "tostring", "type", "xpcall", "rawequal", "rawget", "rawlen", "rawset", "getmetatable", "setmetatable" }) do safe[name] = _G[name] end
safe._VERSION = _VERSION
safe.unpack = table.unpack
local function copy(t) local c = {} for k, v in pairs(t) do c[k] = v end return c end
local stringlib = copy(string)
stringlib.dump = nil
local argoLibs = { table = copy(table), os = { time = os.time, date = os.date } }
local openLibs = { string = stringlib, table = copy(table), math = copy(math), os = { time = os.time, date = os.date, clock = os.clock, difftime = os.difftime } }
-- Strings share one metatable: its __index (the string library, for ("x"):upper()) is set per run
-- to that run's own string table, or to nothing without useOpenLibs, as Argo CD's VM has no string
-- library then; hidden from scripts, so that none changes it for the runs after it.
local strings = getmetatable("")
strings.__metatable = false
local chunks, broken, open = {}, {}, {}
local load, pcall, type, tostring, collect = load, pcall, type, tostring, collectgarbage

function __compile(key, source, withOpenLibs)
  chunks[key], broken[key], open[key] = nil, nil, withOpenLibs == true
  local chunk, err = load("local _ENV = ...; " .. source, "=" .. key, "t", {})
  if chunk == nil then broken[key] = err else chunks[key] = chunk end
end

function __run(key, obj)
  local chunk = chunks[key]
  if chunk == nil then return false, broken[key] or ("no script for " .. key) end
  local env = copy(safe)
  for name, lib in pairs(open[key] and openLibs or argoLibs) do env[name] = copy(lib) end
  env._G = env
  env.obj = obj
  strings.__index = env.string
  local ok, status, message = pcall(function()
    local hs = chunk(env)
    if type(hs) ~= "table" then error("expect table output from Lua script, not " .. type(hs), 0) end
    return hs.status, hs.message
  end)
  strings.__index = nil
  if not ok then
    if type(status) ~= "string" then status = "error object of type " .. type(status) end
    return false, status
  end
  local text = ""
  if type(message) == "string" or type(message) == "number" then text = tostring(message) end
  return true, type(status) == "string" and status or "", text
end

function __collect() collect("collect") end

for _, name in ipairs({ "io", "os", "require", "load", "loadfile", "dofile", "package", "debug", "collectgarbage", "print", "string", "table", "math" }) do _G[name] = nil end
`;

let engine: Promise<LuaEngine> | undefined;
let loaded = '';

async function start(): Promise<LuaEngine> {
  // Only the libraries the prelude copies from; the prelude then removes even those from the globals.
  const lua = await new LuaFactory().createEngine({ openStandardLibs: false, enableProxy: false, injectObjects: false, traceAllocations: true });
  for (const library of [LuaLibraries.Base, LuaLibraries.Table, LuaLibraries.String, LuaLibraries.Math, LuaLibraries.OS]) lua.global.loadLibrary(library);
  lua.doStringSync(PRELUDE);
  return lua;
}

/**
 * Pushes a JSON value onto the Lua stack as tables, strings, numbers and booleans through the C API
 * (wasmoon's own conversion proxies JS objects and stumbles on null): the script sees plain data and
 * nothing of JavaScript. A null is nil, as in Argo CD, where an absent field and a null read alike.
 */
function push(lua: LuaEngine, value: LuaValue): void {
  const L = lua.global.address;
  const api = lua.global.lua;
  if (value === null) api.lua_pushnil(L);
  else if (typeof value === 'string') api.lua_pushstring(L, value);
  // Whole numbers as Lua integers: `"replicas " .. 3` reads "replicas 3", as in Argo CD's Lua 5.1, not "3.0".
  else if (typeof value === 'number' && Number.isSafeInteger(value)) api.lua_pushinteger(L, BigInt(value));
  else if (typeof value === 'number') api.lua_pushnumber(L, value);
  else if (typeof value === 'boolean') api.lua_pushboolean(L, value ? 1 : 0);
  else if (Array.isArray(value)) {
    api.lua_createtable(L, value.length, 0);
    value.forEach((item, i) => {
      push(lua, item);
      api.lua_rawseti(L, -2, BigInt(i + 1));
    });
  } else {
    const entries = Object.entries(value);
    api.lua_createtable(L, 0, entries.length);
    for (const [key, item] of entries) {
      if (item === null) continue;
      api.lua_pushstring(L, key);
      push(lua, item);
      api.lua_rawset(L, -3);
    }
  }
}

/** Calls a prelude function with a protected call; its results as strings and booleans, or the error. */
function call(lua: LuaEngine, name: string, args: readonly LuaValue[], results: number): { ok: true; values: (string | boolean | undefined)[] } | { ok: false; error: string } {
  const L = lua.global.address;
  const api = lua.global.lua;
  const base = api.lua_gettop(L);
  try {
    api.lua_getglobal(L, name);
    for (const arg of args) push(lua, arg);
    const code = api.lua_pcallk(L, args.length, results, 0, 0, null);
    if (code !== 0) return { ok: false, error: code === (LuaReturn.ErrorMem as number) ? 'not enough memory' : String(api.lua_tolstring(L, -1, null) ?? `error ${code}`) };
    const values: (string | boolean | undefined)[] = [];
    for (let i = results; i >= 1; i--) {
      const type = api.lua_type(L, -i);
      values.push(type === LuaType.Boolean ? api.lua_toboolean(L, -i) !== 0 : type === LuaType.String ? api.lua_tolstring(L, -i, null) : undefined);
    }
    return { ok: true, values };
  } finally {
    api.lua_settop(L, base);
  }
}

function run(lua: LuaEngine, request: Extract<LuaRequest, { type: 'run' }>): LuaResponse {
  const started = Date.now();
  const deadline = started + LUA_TIME_MS;
  // Bounds for this run only: the memory it may add to what the runtime holds, and a deadline the
  // instruction hook checks every thousand instructions.
  lua.global.setMemoryMax(lua.global.getMemoryUsed() + LUA_MEMORY_BYTES);
  lua.global.setTimeout(deadline);
  let result: ReturnType<typeof call>;
  try {
    result = call(lua, '__run', [request.key, request.object], 3);
  } finally {
    lua.global.setTimeout(undefined);
    lua.global.setMemoryMax(undefined);
  }
  const timedOut = Date.now() > deadline;
  if (!result.ok || result.values[0] !== true) {
    // What a failed run left behind goes now, not into the next run's memory bound.
    call(lua, '__collect', [], 0);
    const error = result.ok ? String(result.values[1] ?? 'failed') : result.error;
    // The error says which bound stopped the script: on a busy machine a script stopped by its
    // memory bound may also have run past the deadline, and was reported as too slow.
    if (/not enough memory/.test(error)) return { type: 'result', id: request.id, ok: false, error: `ran out of memory (limit ${LUA_MEMORY_BYTES / 1024 / 1024} MiB)` };
    if (timedOut) return { type: 'result', id: request.id, ok: false, error: `did not finish within ${LUA_TIME_MS} ms` };
    return { type: 'result', id: request.id, ok: false, error };
  }
  return { type: 'result', id: request.id, ok: true, status: String(result.values[1] ?? ''), message: String(result.values[2] ?? '') };
}

async function handle(request: LuaRequest): Promise<LuaResponse> {
  const lua = await (engine ??= start());
  if (request.version !== loaded) {
    // A new argocd-cm: every script compiled once now, not once per object.
    for (const [key, source, openLibs] of request.scripts ?? []) call(lua, '__compile', [key, source, openLibs], 0);
    loaded = request.version;
  }
  return run(lua, request);
}

// One request at a time, in order: the main thread sends the next once this one is answered.
parentPort?.on('message', (request: LuaRequest) => {
  handle(request).then(
    (response) => parentPort?.postMessage(response),
    (error: unknown) => parentPort?.postMessage({ type: 'result', id: request.id, ok: false, error: `Lua runtime: ${error instanceof Error ? error.message : String(error)}` } satisfies LuaResponse),
  );
});
