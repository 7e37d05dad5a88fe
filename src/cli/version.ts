import { readFileSync } from 'node:fs';
import { PACKAGE_JSON } from '../package-files.js';

/** fleet's version, from package.json. */
export const VERSION = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
