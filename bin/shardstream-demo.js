#!/usr/bin/env node
import '../dist/src/cli/demo.js';
