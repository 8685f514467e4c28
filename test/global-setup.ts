import type { TestProject } from 'vitest/node';
import { findOrInstallChromium } from './helpers/chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Debian's Chromium for the browser tests, or why there is none. */
    chromium: { path: string } | { missing: string };
  }
}

/** Runs once before the tests: finds Chromium, installing Debian's package when it is missing and that is allowed. */
export default function setup(project: TestProject): void {
  project.provide('chromium', findOrInstallChromium());
}
