#!/usr/bin/env node
import '../dist/src/cli/dcgan-train.js';
