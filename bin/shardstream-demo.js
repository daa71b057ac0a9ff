#!/usr/bin/env node
import { printCliText } from '../dist/src/cli/cli-text-cache.js';

const command = new URL('../dist/src/cli/demo.js', import.meta.url);
if (!printCliText('shardstream-demo', command.href)) await import(command.href);
