// The first argument of context:call: "INST.VERB" or "INST:CH.VERB".

export interface CallTarget {
  instrument: string;
  channel?: number;
  verb: string;
  /** `INST` or `INST:CH`, as results show it. */
  label: string;
}

const TARGET = /^([A-Za-z][A-Za-z0-9_]*)(?::(\d+))?\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** Parses a call target; returns the reason as a string when it is malformed. */
export function parseTarget(text: unknown): CallTarget | string {
  if (typeof text !== 'string') {
    return `context:call expects "INST.VERB" or "INST:CH.VERB" as its first argument, got ${text === null || text === undefined ? 'nil' : typeof text}`;
  }
  const m = TARGET.exec(text);
  if (!m) return `bad command target "${text}": expected "INST.VERB" or "INST:CH.VERB"`;
  const [, instrument, channel, verb] = m as unknown as [string, string, string | undefined, string];
  if (channel === undefined) return { instrument, verb, label: instrument };
  return { instrument, channel: Number(channel), verb, label: `${instrument}:${channel}` };
}
