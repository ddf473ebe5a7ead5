export { Scheduler, type SchedulerOptions } from './scheduler.js';
export { JobSequencer, type JobSequencerOptions } from './job-sequencer.js';
export { InstrumentLane, type CommandTarget, type LaneCommand, type LaneEntry } from './instrument-lane.js';
export { Gate } from './gate.js';
