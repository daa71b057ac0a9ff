#!/usr/bin/env node
import { printCliText } from '../dist/src/cli/cli-text-cache.js';

const command = new URL('../dist/src/cli/celeba-convert.js', import.meta.url);
if (!printCliText('celeba-convert', command.href)) await import(command.href);
