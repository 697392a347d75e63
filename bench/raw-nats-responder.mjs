/**
 * The floor under the `nats` backend in `npm run bench -- nats`: a plain NATS client in its own process
 * answering requests with no rlflow in between. `echo` replies with the request's bytes, `recv` with 8
 * bytes (an ack), `give` with a preallocated array of the requested number of bytes. Started with the
 * server URL as its only argument; prints `ready` once subscribed. Plain JavaScript (not a .ts file) so
 * that the bench dispatcher, which imports every bench/*.ts, does not run it.
 */
import { connect } from '@nats-io/transport-node';

const nc = await connect({ servers: process.argv[2] });
const cache = new Map();
const ack = new Uint8Array(8);
nc.subscribe('bench.raw.echo', { callback: (_e, m) => void m.respond(m.data) });
nc.subscribe('bench.raw.recv', { callback: (_e, m) => void m.respond(ack) });
nc.subscribe('bench.raw.give', {
  callback: (_e, m) => {
    const n = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength).getUint32(0, true);
    let out = cache.get(n);
    if (!out) cache.set(n, (out = new Uint8Array(n).map((_, i) => i & 0xff)));
    m.respond(out);
  },
});
await nc.flush();
console.log('ready');
process.on('SIGTERM', () => void nc.close().then(() => process.exit(0)));
