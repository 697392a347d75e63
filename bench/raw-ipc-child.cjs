'use strict';
// The raw baseline's child for `npm run bench -- runtime`: plain child_process.fork + process.send
// (mirrors limits' raw_fork_child.js), with the same three operations as bench/fixtures.ts's
// BenchActor. Messages are [op, payload]:
//   ['echo', x]  -> x
//   ['recv', f]  -> [f.length, f[f.length - 1]]   (f: Float32Array, an ack)
//   ['give', n]  -> a preallocated Float32Array of n values
const cache = new Map();
function makeFloats(n) {
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = Math.sin(i * 0.7);
  return f;
}
process.on('message', (m) => {
  const op = m[0];
  const x = m[1];
  if (op === 'echo') process.send(x);
  else if (op === 'recv') process.send([x.length, x[x.length - 1]]);
  else if (op === 'give') {
    let f = cache.get(x);
    if (!f) cache.set(x, (f = makeFloats(x)));
    process.send(f);
  } else process.send({ error: `unknown op ${String(op)}` });
});
