#!/usr/bin/env node
import { printCliText } from '../dist/src/cli/cli-text-cache.js';

const command = new URL('../dist/src/cli/tfrecord.js', import.meta.url);
if (!printCliText('tfrecord', command.href)) await import(command.href);
