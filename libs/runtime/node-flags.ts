/**
 * V8 heap settings every process of the product runs with (package.json start scripts, the Dockerfile,
 * the benchmark's API and worker). They keep a worker's peak RSS flat: without a cap V8 lets the old
 * generation grow with an import's garbage (a 100,000-row import peaked at ~560 MB, the ZIP benchmark
 * grew 8-29 % when the ZIP doubled); with it the same runs stay under 300 MB at about the same speed.
 * Raise --max-old-space-size for import types whose chunks hold much more than certificates do.
 */
export const NODE_FLAGS = ['--max-old-space-size=288', '--max-semi-space-size=16'] as const;
