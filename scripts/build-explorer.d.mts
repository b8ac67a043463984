/** Types of scripts/build-explorer.mjs (for the TypeScript callers: serve, screenshots, tests). */
export interface ExplorerBuild {
  /** The folder written (absolute). */
  outdir: string;
  /** Every file written, source maps included (absolute). */
  files: string[];
}

/** Builds the explorer (examples/explorer/) into `outdir` (default dist/explorer). */
export function buildExplorer(options?: { outdir?: string; minify?: boolean }): Promise<ExplorerBuild>;
