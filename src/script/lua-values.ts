// Reading call arguments from, and pushing command values onto, the Lua stack directly.
// wasmoon's generic conversion inspects every table key as a string (about 10 µs per element);
// arrays of numbers — sweep tables, waveforms — are the common case here, so they get a direct path.
import { LuaType, type LuaThread } from 'wasmoon';

/** A Lua value that has no meaning as a command parameter (function, coroutine, userdata). */
export class OpaqueLuaValue {
  constructor(readonly luaType: string) {}
  toJSON(): string {
    return `<${this.luaType}>`;
  }
}

/** Reads stack slot `index` as a JS value: nil → undefined, sequences → arrays, other tables → objects. */
export function readValue(thread: LuaThread, index: number): unknown {
  const { lua, address: L } = thread;
  switch (lua.lua_type(L, index)) {
    case LuaType.None:
    case LuaType.Nil:
      return undefined;
    case LuaType.Number:
      return lua.lua_tonumberx(L, index, null);
    case LuaType.String:
      return lua.lua_tolstring(L, index, null);
    case LuaType.Boolean:
      return lua.lua_toboolean(L, index) !== 0;
    case LuaType.Table: {
      const length = lua.lua_rawlen(L, index);
      if (length > 0) return readSequence(thread, lua.lua_absindex(L, index), length);
      const value = thread.getValue(index) as unknown;
      // wasmoon turns an empty table into {} — and keeps nested values as it converted them.
      return value;
    }
    case LuaType.Function:
      return new OpaqueLuaValue('function');
    case LuaType.Thread:
      return new OpaqueLuaValue('coroutine');
    default:
      return new OpaqueLuaValue('userdata');
  }
}

function readSequence(thread: LuaThread, index: number, length: number): unknown[] {
  const { lua, address: L } = thread;
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    const type = lua.lua_rawgeti(L, index, BigInt(i + 1));
    out[i] = type === LuaType.Number ? lua.lua_tonumberx(L, -1, null) : readValue(thread, -1);
    lua.lua_settop(L, -2);
  }
  return out;
}

/** Pushes an array of numbers as a Lua sequence (floats, or integers when `integers`). */
export function pushNumbers(thread: LuaThread, values: ArrayLike<number>, integers = false): void {
  const { lua, address: L } = thread;
  lua.lua_createtable(L, values.length, 0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (integers && Number.isSafeInteger(v)) lua.lua_pushinteger(L, BigInt(v));
    else lua.lua_pushnumber(L, v);
    lua.lua_rawseti(L, -2, BigInt(i + 1));
  }
}
