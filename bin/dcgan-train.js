#!/usr/bin/env node
import { printCliText } from '../dist/src/cli/cli-text-cache.js';

const command = new URL('../dist/src/cli/dcgan-train.js', import.meta.url);
if (!printCliText('dcgan-train', command.href)) await import(command.href);
