#!/usr/bin/env node
import '../dist/src/cli/mnist-convert.js';
