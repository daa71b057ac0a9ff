#!/usr/bin/env node
import '../dist/src/cli/celeba-convert.js';
