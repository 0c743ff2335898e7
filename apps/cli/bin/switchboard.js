#!/usr/bin/env node
// The `switchboard` bin of the root package: a committed, executable file, so that `npm run build`
// (which empties dist/) never leaves the linked command without its execute bit.
import '../dist/main.js';
