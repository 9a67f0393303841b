import type { ManagerName } from '../reference.js';
import type { Manager } from './manager.js';
import { composeManager } from './compose/index.js';
import { dockerfileManager } from './dockerfile/index.js';
import { githubActionsManager } from './github-actions/index.js';
import { koManager } from './ko/index.js';
import { pipManager } from './pip/index.js';
import { apkManager } from './apk/index.js';
import { aptManager } from './apt/index.js';

/** Every manager, registered once: adding a file kind is a new folder plus one line here. */
export const managers: readonly Manager[] = [dockerfileManager, composeManager, githubActionsManager, koManager, pipManager, apkManager, aptManager];

export const managersByName = new Map<ManagerName, Manager>(managers.map((m) => [m.name, m]));
