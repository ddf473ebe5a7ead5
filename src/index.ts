// Public API of the package: the embedding API, the configuration loaders and the wire types.
export type * from './config/types.js';
export type * from './results/types.js';
export type * from './drivers/driver.js';
