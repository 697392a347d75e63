/** Registers every built-in operator with the runtime (import for side effects). */
import './element.js';
import './sources.js';
import './queues.js';
import './gathers.js';
import './concurrently.js';
import './duplicate.js';
import './actor-calls.js';
