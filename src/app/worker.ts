// The worker entry point (`npm run worker` runs the compiled copy of this file; REDIS_URL required).
// Do not add logic here: the process lives in queue/worker-process.ts, the jobs in queue/processors.ts.
import { runWorkerProcess } from './queue/worker-process.js';

await runWorkerProcess(process.env);
