// Channel groups: one declaration (`analog`, channel 1..4, io_types waveform/voltage_range) stands
// for a port per channel and kind, named `<group><n>_<suffix>` as the C++ original named them.
import type { ChannelGroup, IoPort } from './types.js';

/** Port name of one channel's IO kind: `analog` + 2 + `waveform` → `analog2_waveform`. */
export function channelPortName(group: string, channel: number, suffix: string): string {
  return `${group}${channel}_${suffix}`;
}

/** Every port a group stands for, channel by channel. */
export function expandChannelGroup(group: ChannelGroup): IoPort[] {
  const ports: IoPort[] = [];
  for (let channel = group.parameter.min; channel <= group.parameter.max; channel++) {
    for (const kind of group.ioTypes) {
      const port: IoPort = {
        name: channelPortName(group.name, channel, kind.suffix),
        type: kind.type,
        role: kind.role,
        channelGroup: group.name,
        channel,
        suffix: kind.suffix,
      };
      if (kind.unit !== undefined) port.unit = kind.unit;
      if (kind.description !== undefined) port.description = kind.description;
      if (kind.type === 'array') port.arrayDataType = 'float64';
      ports.push(port);
    }
  }
  return ports;
}

/**
 * The list of ports an API offers: explicit ports first, then the expanded group ports that were
 * not also written out explicitly (an explicit port of the same name wins; nothing is listed twice).
 */
export function mergePorts(explicit: IoPort[], groups: ChannelGroup[]): IoPort[] {
  const ports = [...explicit];
  const index = new Map(ports.map((port, i) => [port.name, i]));
  for (const group of groups) {
    for (const expanded of expandChannelGroup(group)) {
      const at = index.get(expanded.name);
      if (at === undefined) {
        index.set(expanded.name, ports.length);
        ports.push(expanded);
      } else {
        // Keep what was written, but remember which channel it belongs to.
        ports[at] = { ...expanded, ...ports[at]!, channelGroup: group.name, channel: expanded.channel!, suffix: expanded.suffix! };
      }
    }
  }
  return ports;
}
