#!/usr/bin/env node
// segstudio: the studio's experiments from the command line and on Slurm clusters
// (README, "Run headless and on a cluster"). The engine is TypeScript: tsx loads it as it is.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
