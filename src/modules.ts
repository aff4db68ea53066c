// Feature modules composed into every leakbot process (web and worker alike). Each registers its
// routes, job processors and actions on the context; see the extension notes in src/app.ts.
// Other helpers: add your module here with one import line and one array entry.
import { alertsModule } from './alerts/index.js';
import type { LeakbotModule } from './context.js';
import { snapshotFlowModule } from './flows/index.js';

export const MODULES: LeakbotModule[] = [snapshotFlowModule, alertsModule];
