// How script text and names are handed to Lua. Lua cuts chunk names longer than ~60 characters
// down to "...tail" in its messages: long script paths get such an alias when loaded, and
// messages leaving Lua get the full name back.

const MAX_CHUNK_NAME = 55;

export class ChunkNames {
  private readonly aliases = new Map<string, string>();

  /** The name to load the chunk under (`@` is added by the loader). */
  alias(name: string): string {
    if (name.length <= MAX_CHUNK_NAME) return name;
    const alias = `...${name.slice(-(MAX_CHUNK_NAME - 3))}`;
    this.aliases.set(alias, name);
    return alias;
  }

  /** Replaces aliases in a message by the full names. */
  expand(text: string): string {
    for (const [alias, name] of this.aliases) text = text.split(alias).join(name);
    return text;
  }
}

/** Like luaL_loadfile: a UTF-8 byte order mark and a `#!` first line are skipped (line numbers kept). */
export function asChunk(source: string): string {
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  return text.startsWith('#') ? `--${text}` : text;
}
