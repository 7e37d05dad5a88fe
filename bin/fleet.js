#!/usr/bin/env node
// The fleet CLI. `npm ci` compiles src/ to dist/ (the `prepare` script); this only starts it.
import '../dist/cli/main.js';
