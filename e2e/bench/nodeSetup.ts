/**
 * First module of the Node benchmark: reads the options and, when WebGPU is asked for, installs
 * Dawn's navigator.gpu before anything imports tfjs-backend-webgpu (which looks for
 * navigator.gpu once, when imported). e2e/bench/node.ts imports it before tfjs.
 */
import { installDawn, type DawnInstall } from '../../src/cli/dawn';
import { parseNodeBenchOptions } from './nodeOptions';

export const options = parseNodeBenchOptions();

async function setUp(): Promise<DawnInstall | { error: string } | null> {
  if (options.report !== null || (!options.backends.includes('webgpu') && !options.adapterOnly)) return null;
  try {
    return await installDawn(options.dawn, options.dawnOptions);
  } catch (e) {
    return { error: `Dawn could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** What Dawn gave (null when WebGPU was not asked for). */
export const dawn = await setUp();
