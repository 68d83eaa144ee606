// Preloaded (node --require) by bench/saga.mjs --cpu-prof DIR: node refuses --cpu-prof in
// NODE_OPTIONS, so this starts V8's profiler through the inspector and writes the profile into
// SG_CPU_PROF_DIR when the process exits (a same-thread inspector session answers synchronously).
const inspector = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const dir = process.env.SG_CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
