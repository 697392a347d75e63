/** The built-in passes, registered on import (see docs/passes.md for each one's contract). */
export { cleanupPass } from './cleanup.js';
export { fusePass } from './fuse.js';
export { placePass } from './place.js';
export { batchPass } from './batch.js';
