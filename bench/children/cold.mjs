// One cold start, as Lambda's runtime does it: a fresh Node process loads the handler module.
// argv: <side: project|projectSecret|baseline|bare> <module path>. Prints one JSON line and exits.
// Plain JavaScript on purpose: the child must not pay for tsx.
import { createRequire } from 'node:module';

const [side, target] = process.argv.slice(2);
const importStart = performance.now();
if (side.startsWith('project')) await import(target);
else if (side === 'baseline') createRequire(target)(target);
const ready = performance.now();
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    side,
    // performance.now() counts from the process's time origin (its start).
    readyMs: ready,
    importMs: ready - importStart,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssKiB: usage.maxRSS,
  }),
);
process.exit(0);
