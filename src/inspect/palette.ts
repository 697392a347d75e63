/**
 * Colours shared by the DOT, Mermaid and HTML views, so driver vs actor placement, cpu vs gpu and
 * fused nodes read the same in every picture.
 */
export const PALETTE = {
  driver: { fill: '#e8eef8', stroke: '#4a6fa5' },
  cpu: { fill: '#e4f4e2', stroke: '#3f8f3a' },
  gpu: { fill: '#fde6cc', stroke: '#c9700e' },
  /** Cluster backgrounds (lighter than their nodes). */
  cpuGroup: { fill: '#f4fbf3', stroke: '#8cc487' },
  gpuGroup: { fill: '#fff6ec', stroke: '#e8a95c' },
  fused: { stroke: '#7a3ea8' },
  actorClass: { fill: '#ffffff' },
  call: '#8a8a8a',
  queue: '#a05a2c',
  /** Composite scopes (`stream.apply`): a dashed box around their nodes. */
  scope: '#6b6b9a',
} as const;
