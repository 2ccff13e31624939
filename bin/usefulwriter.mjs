#!/usr/bin/env node
// The npm bin: runs the TypeScript sources through tsx (there is no build step).
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
