#!/usr/bin/env node
import '../dist/src/cli/shard-server.js';
