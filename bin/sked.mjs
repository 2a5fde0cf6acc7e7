#!/usr/bin/env node
// The `sked` command: runs cli/main.ts through tsx, which `npm ci` installs.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
