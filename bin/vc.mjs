#!/usr/bin/env node
// The package's `vc` command: runs the TypeScript CLI (src/cli.ts) through tsx, so the command works
// from a checkout without a build step. Same as `npm run vc -- <args>`.
import { tsImport } from 'tsx/esm/api';

const cli = await tsImport('../src/cli.ts', import.meta.url);
await cli.main(process.argv.slice(2));
