/**
 * Vitest setup file (vite.config.ts, test.setupFiles): every Node test runs on the product's CPU
 * kernels, as the studio's CPU fallback and the command line do. Tests that compare with tfjs's
 * stock kernels switch explicitly (restoreStockCpuKernels, registerFastCpuKernels).
 */
import { registerFastCpuKernels } from '../index';

registerFastCpuKernels();
