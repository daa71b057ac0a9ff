#!/usr/bin/env node
import { printCliText } from '../dist/src/cli/cli-text-cache.js';

const command = new URL('../dist/src/cli/mnist-convert.js', import.meta.url);
if (!printCliText('mnist-convert', command.href)) await import(command.href);
