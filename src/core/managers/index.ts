import type { ManagerName } from '../reference.js';
import type { Manager } from './manager.js';
import { dockerfileManager } from './dockerfile/index.js';

/** Every manager, registered once: adding a file kind is a new folder plus one line here. */
export const managers: readonly Manager[] = [dockerfileManager];

export const managersByName = new Map<ManagerName, Manager>(managers.map((m) => [m.name, m]));
