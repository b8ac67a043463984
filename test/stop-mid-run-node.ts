/**
 * A child process of test/gpu-faults.test.ts: `node --import tsx test/stop-mid-run-node.ts OUT K`
 * runs a 16-unit grid on two worker threads with `backend: 'webgpu'` (every unit calls into
 * Dawn) and fails it from onRecord at the K-th stored unit, while the other thread is mid-unit.
 * It prints `REJECTED <message>` and exits 0; a thread stopped inside Dawn would abort the process
 * instead (a native fatal error, exit code 134).
 */
import { resolveConfig } from '../src/experiment/config.ts';
import { runExperiment } from '../src/experiment/node-runner.ts';

const [out, k] = process.argv.slice(2);
const config = resolveConfig({ targetLogicGates: ['AND', 'OR'], noiseStd: 0, nExperiments: 16, nSamplesTrain: 100, sizes: [2], depths: [1] });
let stored = 0;
try {
  await runExperiment(config, {
    out: out!,
    workers: 2,
    backend: 'webgpu',
    onRecord: () => {
      if (++stored === Number(k)) throw new Error(`stopped at unit ${k}`);
    },
  });
  console.log('FINISHED');
} catch (e) {
  console.log(`REJECTED ${(e as Error).message}`);
}
