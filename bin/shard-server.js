#!/usr/bin/env node
import { printCliText } from '../dist/src/cli/cli-text-cache.js';

const command = new URL('../dist/src/cli/shard-server.js', import.meta.url);
if (!printCliText('shard-server', command.href)) await import(command.href);
